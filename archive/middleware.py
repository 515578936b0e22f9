from django.http import QueryDict

from .sanitize import printable


class PrintableParametersMiddleware:
    """Every query-string parameter, name and value, made printable (archive.sanitize.printable)
    before any view reads it: a control character in `q` must not break the Atom feed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        parameters = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            parameters.setlist(printable(name), [printable(value) for value in values])
        request.GET = parameters
        return self.get_response(request)
