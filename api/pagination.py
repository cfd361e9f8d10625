from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Pages that stay right while rows are added: newest first by id, 50 a page (up to 200)."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
