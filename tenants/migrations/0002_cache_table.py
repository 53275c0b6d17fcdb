"""The table of Django's database cache (the default cache, see settings.CACHES).

It lives in the public schema (tenants is a shared app); tenant schemas reach it
through their search path, which always includes public. Keys carry the schema
(django_tenants.cache.make_key), so tenants never share an entry. Same layout as
``manage.py createcachetable`` creates (which `beteiligung setup` also runs, for a
table name chosen with CACHE_URL=db://<table>).
"""

from django.db import migrations

CREATE = """
CREATE TABLE IF NOT EXISTS "beteiligung_cache" (
    "cache_key" varchar(255) NOT NULL PRIMARY KEY,
    "value" text NOT NULL,
    "expires" timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS "beteiligung_cache_expires" ON "beteiligung_cache" ("expires");
"""


class Migration(migrations.Migration):
    dependencies = [("tenants", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, reverse_sql='DROP TABLE IF EXISTS "beteiligung_cache";')]
