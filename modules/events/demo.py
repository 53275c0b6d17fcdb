"""Demo events for `beteiligung demo` (idempotent)."""

from datetime import timedelta

from django.utils import timezone

DEMO_EVENTS = {
    "sachsen": [
        dict(title="Bürgerforum Strukturwandel in der Lausitz",
             teaser="Wie geht es nach der Braunkohle weiter? Diskutieren Sie mit Fachleuten "
                    "aus Ministerium, Kommunen und Wirtschaft.",
             days=21, hours=3, capacity=80, venue_name="Stadthalle Hoyerswerda",
             venue_address="Dillinger Straße 1\n02977 Hoyerswerda",
             accessibility_info="Der Saal ist stufenlos erreichbar. Eine Induktionsschleife ist "
                                "vorhanden. Gebärdensprachdolmetschung auf Anfrage bis eine "
                                "Woche vorher.",
             questions=[("Benötigen Sie Unterstützung vor Ort?", "long_text", False, ""),
                        ("Wie haben Sie von der Veranstaltung erfahren?", "single_choice", False,
                         "Zeitung\nInternet\nBekannte\nSonstiges")]),
        dict(title="Digitalkongress Sachsen 2027",
             teaser="Zwei Tage zu digitaler Verwaltung, offenen Daten und Bürgerbeteiligung – "
                    "vor Ort in Dresden und online.",
             days=60, hours=30, capacity=3000, venue_name="Internationales Congress Center",
             venue_address="Ostra-Ufer 2\n01067 Dresden",
             online_access="https://video.example.org/digitalkongress (Zugangscode folgt)",
             items=[("Workshop A: Offene Daten in Kommunen", 40),
                    ("Workshop B: Barrierefreie Formulare", 40),
                    ("Podium: Beteiligung digital", None)]),
    ],
    "nrw": [
        dict(title="Infoabend Radschnellweg Ruhr RS1",
             teaser="Die Planung für den nächsten Abschnitt wird vorgestellt. Fragen und "
                    "Anregungen sind ausdrücklich erwünscht.",
             days=10, hours=2, capacity=120, venue_name="Rathaus Mülheim an der Ruhr",
             venue_address="Ruhrstraße 32\n45468 Mülheim an der Ruhr",
             questions=[("Ihre Frage an das Podium (optional)", "long_text", False, "")]),
        dict(title="Online-Sprechstunde Landesentwicklungsplan",
             teaser="Fachleute des Ministeriums beantworten live Ihre Fragen zum Entwurf.",
             days=5, hours=1, capacity=None, venue_name="",
             online_access="https://video.example.org/lep-sprechstunde"),
    ],
}


def ensure_demo_events(tenant, spec):
    from beteiligung.models import AuthorityPage

    from .models import EventIndexPage, EventPage, ProgrammeItem, RegistrationQuestion

    if EventPage.objects.exists():
        return
    authority = AuthorityPage.objects.order_by("path").first()
    index = authority.add_child(instance=EventIndexPage(title="Veranstaltungen",
                                                        slug="veranstaltungen"))
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    for item in DEMO_EVENTS.get(tenant.schema_name, []):
        start = (now + timedelta(days=item["days"])).replace(hour=17)
        event = index.add_child(instance=EventPage(
            title=item["title"], teaser=item["teaser"],
            description=f"<p>{item['teaser']}</p><p>Die Teilnahme ist kostenlos.</p>",
            event_start=start, event_end=start + timedelta(hours=item["hours"]),
            starts_at=now - timedelta(days=1), ends_at=start - timedelta(hours=2),
            venue_name=item.get("venue_name", ""), venue_address=item.get("venue_address", ""),
            online_access=item.get("online_access", ""),
            accessibility_info=item.get("accessibility_info", ""),
            organizer_name=authority.title, organizer_email=f"veranstaltungen@{spec['domain']}",
            capacity=item["capacity"], waitlist_enabled=True,
            photo_consent_text="Ich bin einverstanden, dass Fotos, auf denen ich zu sehen bin, "
                               "für die Berichterstattung verwendet werden.",
        ))
        for order, (label, kind, required, choices) in enumerate(item.get("questions", [])):
            RegistrationQuestion.objects.create(event=event, sort_order=order, label=label,
                                                kind=kind, required=required, choices=choices)
        for order, (title, capacity) in enumerate(item.get("items", [])):
            ProgrammeItem.objects.create(event=event, sort_order=order, title=title,
                                         capacity=capacity)
