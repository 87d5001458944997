"""Pure value types shared by the core and the shells."""
