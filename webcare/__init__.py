"""webcare-assist core: settings, domain types, the pipeline, storage and the CLI."""

__version__ = "0.1.0"
