"""PST library kiosk: self-service visits to a BPS statistics office's library."""
__version__ = "0.1.0"
