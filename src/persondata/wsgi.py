import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "persondata.settings")
_django = get_wsgi_application()

from persondata.backups.gate import ServeGate  # noqa: E402 - its models need the apps loaded just above

# every request, /api/health too, is refused (503, with the fix) while the master key is wrong or a restored
# database waits for its deletion ledger to be replayed (persondata.backups.gate)
application = ServeGate(_django)
