"""Kivy only: the app conductor, one screen per step (``screens/``), shared widgets."""
