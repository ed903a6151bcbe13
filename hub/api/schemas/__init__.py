"""Request and response shapes of the API (pydantic), one module per area.

Each area follows the Base / Create / Public family: ``XBase`` holds the shared fields,
``XCreate`` is a request body (``extra="forbid"``: unknown fields are a 422), ``XPublic``
is what the API returns. Times are Unix milliseconds (``*_ms``) throughout.
"""
