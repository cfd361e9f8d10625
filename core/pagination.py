from django.core.paginator import Paginator
from django.utils.functional import cached_property


def _asks_for_the_first_page(number) -> bool:
    """Whether Paginator.get_page shows the first page whatever the count: no number, not a
    number, or 1 (one under 1 or past the end shows the last page)."""
    try:
        return int(number) == 1
    except (TypeError, ValueError):
        return True


class FirstPageCountingPaginator(Paginator):
    """Counts only when it must: a first page with room to spare holds every row, so its
    length is the count. A search for one customer, the usual kind, then runs one query over
    the search indexes instead of two. ``counter``, if given, counts instead of the rows."""

    def __init__(self, *args, counter=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.counter = counter

    @cached_property
    def count(self):
        return self.counter() if self.counter else super().count

    def get_page(self, number):
        if "count" in self.__dict__ or self.orphans or not _asks_for_the_first_page(number):
            return super().get_page(number)
        rows = self.object_list[: self.per_page]
        if len(rows) < self.per_page:  # evaluates the rows, which the page then keeps
            self.count = len(rows)
        return self._get_page(rows, 1, self)
