"""vertebro: measure, decide, plan, record and follow vertebral augmentation."""

__version__ = "0.1.0"
