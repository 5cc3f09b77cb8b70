"""Reusable widgets: config-bound controls, run bar, banners, the lesson card."""
