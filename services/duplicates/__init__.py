"""Children registered twice: detection by keyed hashes, coordinators' review, linked groups."""
