import os
import sys

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beteiligung.project.settings")
# A request thread that holds a database lock gives up the GIL at every query; with the
# default 5 ms switch interval it may wait that long per query behind its siblings,
# stretching the locked section. 1 ms keeps lock holders moving (bench/events_rush.py).
sys.setswitchinterval(float(os.environ.get("GIL_SWITCH_INTERVAL", "0.001")))
application = get_wsgi_application()
