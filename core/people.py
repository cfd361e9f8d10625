def person_name(user) -> str:
    """How a member of staff is named on pages, emails and charts: full name, else username."""
    return user.get_full_name() or user.get_username()
