"""The editor tier: the open project (`ProjectDocument`), its undo commands and the editing interactions."""
