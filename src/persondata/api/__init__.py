"""The REST API (django-ninja): the register's services behind Bearer tokens, with a typed OpenAPI schema."""
