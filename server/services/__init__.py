"""Services: plain functions over a SQLAlchemy session. They own the commit and raise ApiErrors."""
