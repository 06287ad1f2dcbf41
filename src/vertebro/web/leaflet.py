"""The patient leaflet's content: moved to :mod:`vertebro.reporting.leaflet` (shared with the
PDF leaflet) and re-exported here for the leaflet page."""

from vertebro.reporting.leaflet import Leaflet, leaflet_for

__all__ = ["Leaflet", "leaflet_for"]
