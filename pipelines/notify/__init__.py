"""Notify: ready-to-send driver notifications derived from rated sessions."""
