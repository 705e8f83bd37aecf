"""Dashboard pages (filled in by their own module docstring)."""
from ..ui import ui_blueprint

bp = ui_blueprint("ui_surveys")


from ..ui import project_page, render_page  # noqa: E402


@bp.get("/p/<int:project_id>/surveys")
@project_page("viewer")
def surveys(project_id):
    return render_page("ui/base.html")
