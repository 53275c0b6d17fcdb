# The events' own state row and retention log move into the participation core
# (beteiligung.ProcedureState, beteiligung.RetentionRun); an event's participation
# closes at its end of registration or at its end, whichever comes first.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0002_event_state'),
        ('beteiligung', '0002_procedure_state_and_retention_log'),
    ]

    operations = [
        migrations.RunSQL(
            "INSERT INTO beteiligung_procedure_state (procedure_id, sequence, cancelled_at,"
            " personal_data_deleted_at) SELECT event_id, sequence, cancelled_at,"
            " personal_data_deleted_at FROM events_eventstate ON CONFLICT (procedure_id) DO UPDATE"
            " SET sequence = EXCLUDED.sequence, cancelled_at = EXCLUDED.cancelled_at,"
            " personal_data_deleted_at = EXCLUDED.personal_data_deleted_at",
            reverse_sql="INSERT INTO events_eventstate (event_id, sequence, cancelled_at,"
            " personal_data_deleted_at) SELECT s.procedure_id, s.sequence, s.cancelled_at,"
            " s.personal_data_deleted_at FROM beteiligung_procedure_state s"
            " JOIN events_eventpage e ON e.procedurepage_ptr_id = s.procedure_id"
            " ON CONFLICT DO NOTHING",
        ),
        migrations.RunSQL(
            "INSERT INTO beteiligung_retention_run (procedure_id, module, procedure_title, ran_at,"
            " anonymized, counts) SELECT event_id, 'events', event_title, ran_at, anonymized,"
            " counts FROM events_retentionrun",
            reverse_sql="INSERT INTO events_retentionrun (event_id, event_title, ran_at,"
            " anonymized, counts) SELECT procedure_id, procedure_title, ran_at, anonymized, counts"
            " FROM beteiligung_retention_run WHERE module = 'events'",
        ),
        migrations.RunSQL(
            "UPDATE beteiligung_procedurepage p SET closes_at = CASE WHEN p.ends_at IS NULL"
            " THEN e.event_end ELSE least(p.ends_at, e.event_end) END"
            " FROM events_eventpage e WHERE e.procedurepage_ptr_id = p.page_ptr_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveField(
            model_name='retentionrun',
            name='event',
        ),
        migrations.DeleteModel(
            name='EventState',
        ),
        migrations.DeleteModel(
            name='RetentionRun',
        ),
    ]
