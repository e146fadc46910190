"""Plain values shared by every feature: phones, ID numbers, names, the need list, checks."""
