"""Operating the application: backups and restore (`flask backup`, `flask restore`)."""
