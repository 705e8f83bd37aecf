"""Dashboard pages (filled in by their own module docstring)."""
from ..ui import ui_blueprint

bp = ui_blueprint("ui_overview")


from flask import g  # noqa: E402

from ..ui import project_page, render_page  # noqa: E402


@bp.get("/p/<int:project_id>/")
@project_page("viewer")
def overview(project_id):
    return render_page("ui/base.html")


@bp.get("/p/<int:project_id>/gaps")
@project_page("viewer")
def gaps(project_id):
    return render_page("ui/base.html")


@bp.get("/p/<int:project_id>/people")
@project_page("viewer")
def people(project_id):
    return render_page("ui/base.html", g=g)
