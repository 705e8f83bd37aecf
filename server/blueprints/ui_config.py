"""Dashboard pages (filled in by their own module docstring)."""
from ..ui import ui_blueprint

bp = ui_blueprint("ui_config")


from ..ui import project_page, render_page  # noqa: E402


@bp.get("/p/<int:project_id>/segments")
@project_page("viewer")
def segments(project_id):
    return render_page("ui/base.html")


@bp.get("/p/<int:project_id>/features")
@project_page("viewer")
def features(project_id):
    return render_page("ui/base.html")


@bp.get("/p/<int:project_id>/journey")
@project_page("viewer")
def journey(project_id):
    return render_page("ui/base.html")


@bp.get("/p/<int:project_id>/settings")
@project_page("viewer")
def settings(project_id):
    return render_page("ui/base.html")
