"""Comment threads: one adapter per source, one shared tree builder."""
