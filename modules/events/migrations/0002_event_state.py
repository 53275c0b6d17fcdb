# Service-owned state of an event moves from the page into a row of its own (EventState),
# which publishing never writes; open holds per client (Registration.client_key).

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EventState',
            fields=[
                ('event', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='state', serialize=False, to='events.eventpage')),
                ('sequence', models.PositiveIntegerField(default=0)),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('personal_data_deleted_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunSQL(
            # Every event gets its state row, with the state it had on the page.
            "INSERT INTO events_eventstate (event_id, sequence, cancelled_at,"
            " personal_data_deleted_at) SELECT procedurepage_ptr_id, sequence, cancelled_at,"
            " personal_data_deleted_at FROM events_eventpage ON CONFLICT DO NOTHING",
            reverse_sql="UPDATE events_eventpage e SET sequence = s.sequence,"
            " cancelled_at = s.cancelled_at, personal_data_deleted_at = s.personal_data_deleted_at"
            " FROM events_eventstate s WHERE s.event_id = e.procedurepage_ptr_id",
        ),
        migrations.RemoveField(
            model_name='eventpage',
            name='cancelled_at',
        ),
        migrations.RemoveField(
            model_name='eventpage',
            name='personal_data_deleted_at',
        ),
        migrations.RemoveField(
            model_name='eventpage',
            name='sequence',
        ),
        migrations.AddField(
            model_name='eventpage',
            name='max_open_holds_per_client',
            field=models.PositiveIntegerField(blank=True, default=3, help_text='How many registrations not yet confirmed by e-mail one internet connection (IP address) may have at a time. Protects the seats against being blocked by automated registrations. Empty: no limit.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='unconfirmed registrations per internet connection'),
        ),
        migrations.AddField(
            model_name='registration',
            name='client_key',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(condition=models.Q(('email_confirmed_at__isnull', True), ('status__in', ['pending', 'waitlisted'])), fields=['event', 'client_key'], name='events_reg_open_by_client'),
        ),
    ]
