"""marshmallow schemas: the boundary between the wire and the services."""
