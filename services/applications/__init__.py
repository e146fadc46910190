"""Families' own applications for their child (自主申报): the public intake with online
consent, and the county coordinators' queue (verify, accept into the registry, decline)."""
