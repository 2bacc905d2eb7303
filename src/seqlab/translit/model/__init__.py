"""The network (network.py), its files on disk (checkpoint.py) and the rescorer models kept beside it."""
