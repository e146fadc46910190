"""The ground floor: the clock, encryption and lookup hashes, errors. Imports nothing of ours."""
