"""The course's own data: the cat pictures' generator (catgen) and the files it made."""
