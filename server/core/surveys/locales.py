"""Which of a text's locales a browser gets, and which way it reads: for surveys and nudges alike."""

RTL_LANGUAGES = {"ar", "he", "fa", "ur", "ps", "yi", "dv", "ku"}


def pick_locale(available: list[str], wanted: str | None, default: str) -> str:
    """The best of a survey's locales for a browser's language: exact, then same language, then default."""
    if wanted:
        wanted = wanted.strip()
        lowered = {a.lower(): a for a in available}
        if wanted.lower() in lowered:
            return lowered[wanted.lower()]
        language = wanted.split("-")[0].lower()
        for a in available:
            if a.split("-")[0].lower() == language:
                return a
    return default


def direction(locale: str) -> str:
    """ "rtl" for a right-to-left language, else "ltr"."""
    return "rtl" if locale.split("-")[0] in RTL_LANGUAGES else "ltr"
