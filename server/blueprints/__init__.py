"""HTTP blueprints; each module defines its own `bp`."""
