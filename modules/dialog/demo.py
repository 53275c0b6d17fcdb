"""Demo dialogues for `beteiligung demo` (idempotent: a dialog that exists is left alone).

Per demo tenant, under its first authority: one open dialog in post-moderation with
categories, contributions, threaded comments (up to depth 3), ratings, an official
reply and a hidden contribution; and one open dialog in pre-moderation with a
contribution waiting for the moderators.

The rows are written through the models, not through services.py: the services are
written at the same time as this file, and demo content must not depend on their
rules for periods, spam limits or e-mails. So this module keeps the invariants the
services keep itself, and tests/dialog/test_demo.py checks them:
* ``root``/``parent``/``depth`` as in models.py (depth 1..3 below a contribution);
* ``support_count``/``oppose_count`` = the post's Rating rows (+1/-1);
* ``reply_count``: on a contribution, all its comments (every demo comment is
  published); on a comment, its direct replies;
* ``bump_version(dialog.pk)`` after the posts are written (per-process page caches).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

NETIQUETTE = ("Ich habe die Netiquette gelesen und bin einverstanden, dass mein Beitrag "
              "mit meinem Namen veröffentlicht wird.")

# Participants per tenant: (key, first name, last name). Shown as "Vorname N.".
PARTICIPANTS = {
    "sachsen": [
        ("lena", "Lena", "Hoffmann"), ("joerg", "Jörg", "Schubert"), ("ute", "Ute", "Krause"),
        ("mehmet", "Mehmet", "Yilmaz"), ("katrin", "Katrin", "Vogel"),
        ("thomas", "Thomas", "Richter"), ("anja", "Anja", "Lehmann"),
        ("sven", "Sven", "Neumann"), ("doreen", "Doreen", "Fischer"), ("paul", "Paul", "Wagner"),
    ],
    "nrw": [
        ("sabine", "Sabine", "Becker"), ("murat", "Murat", "Demir"),
        ("julia", "Julia", "Schneider"), ("klaus", "Klaus", "Wolff"), ("ayse", "Ayşe", "Kaya"),
        ("frank", "Frank", "Schulte"), ("nina", "Nina", "Hermanns"),
        ("dirk", "Dirk", "Hoffmann"), ("lisa", "Lisa", "Janssen"),
        ("stefan", "Stefan", "Kowalski"),
    ],
}

# A comment: (author key or "official", text, [replies]). Contributions: dict with
# author, category (index), title, text, support, oppose (how many others rate it),
# comments, and optionally hidden (the moderators' reason).
DIALOGS = {
    "sachsen": [
        dict(
            slug="laendlicher-raum-mobil",
            title="Mobilität im ländlichen Raum",
            question="Wie soll der ländliche Raum mobil bleiben?",
            teaser="Bus, Bahn, Rufbus, Rad oder Carsharing: Sagen Sie uns, was Sie brauchen, "
                   "um ohne Umwege zur Arbeit, zum Arzt und zum Einkaufen zu kommen.",
            introduction=(
                "<p>Viele Dörfer in Sachsen sind nur noch wenige Male am Tag mit dem Bus "
                "erreichbar. Das Staatsministerium erarbeitet bis Ende des Jahres eine "
                "Strategie für die Mobilität im ländlichen Raum.</p>"
                "<p>Bevor wir planen, möchten wir von Ihnen wissen: Wo fehlt Ihnen eine "
                "Verbindung? Was funktioniert gut? Welche Ideen sollten wir ausprobieren? "
                "Alle Beiträge werden ausgewertet; die Ergebnisse veröffentlichen wir auf "
                "dieser Seite.</p>"),
            contact_name="Referat 34 – Ländlicher Raum",
            categories=["Bus und Bahn", "Rufbus und Sharing", "Rad- und Fußverkehr",
                        "Digitale Angebote"],
            contributions=[
                dict(author="lena", category=0, support=7, oppose=1,
                     title="Stundentakt auch am Wochenende",
                     text="In unserem Ortsteil fährt samstags der letzte Bus um 13 Uhr, "
                          "sonntags gar keiner. Wer kein Auto hat, sitzt am Wochenende fest.\n\n"
                          "Ein verlässlicher Stundentakt von 6 bis 22 Uhr, auch am Wochenende, "
                          "wäre für uns wichtiger als schnellere Verbindungen unter der Woche.",
                     comments=[
                         ("joerg", "Genau so ist es bei uns im Erzgebirge. Meine Tochter kann "
                                   "samstags nicht zur Arbeit ins Einkaufszentrum.", [
                              ("ute", "Bei uns hat der Landkreis einen Rufbus am Wochenende "
                                      "eingeführt. Das ist zumindest ein Anfang.", [
                                   ("lena", "Der Rufbus muss aber zwei Stunden vorher bestellt "
                                            "werden. Spontan ist das nicht.", []),
                               ]),
                          ]),
                         ("official", "Vielen Dank für die vielen Hinweise zum Wochenendverkehr. "
                                      "Wir prüfen gemeinsam mit den Verkehrsverbünden, wo ein "
                                      "Grundtakt am Wochenende mit vertretbarem Aufwand möglich "
                                      "ist. Die Ergebnisse stellen wir im Herbst vor.", []),
                     ]),
                dict(author="joerg", category=1, support=5, oppose=2,
                     title="Rufbus per Telefon und App buchbar machen",
                     text="Der Rufbus ist eine gute Idee, aber die Buchung ist zu kompliziert. "
                          "Viele Ältere haben kein Smartphone, viele Jüngere telefonieren "
                          "nicht gern.\n\nBitte beides anbieten und die Vorlaufzeit auf "
                          "30 Minuten verkürzen.",
                     comments=[
                         ("katrin", "30 Minuten Vorlauf wären ein echter Fortschritt. Dann "
                                    "könnte ich den Rufbus auch nach der Spätschicht nutzen.", []),
                         ("thomas", "Wer soll das bezahlen? Ein Rufbus mit kurzer Vorlaufzeit "
                                    "braucht mehr Fahrzeuge und Personal.", [
                              ("joerg", "Mehr Fahrgäste bringen auch mehr Einnahmen. Und leere "
                                        "Linienbusse kosten auch Geld.", [
                                   ("thomas", "Das stimmt. Ein Vergleich der Kosten pro "
                                              "Fahrgast wäre hilfreich.", []),
                               ]),
                          ]),
                     ]),
                dict(author="ute", category=2, support=6, oppose=0,
                     title="Radweg zwischen den Dörfern entlang der Staatsstraße",
                     text="Zwischen unseren beiden Dörfern liegen nur vier Kilometer, aber "
                          "auf der Staatsstraße ohne Radweg traut sich niemand mit dem Rad. "
                          "Mit E-Bikes wäre das für viele eine echte Alternative zum Auto.",
                     comments=[
                         ("mehmet", "Ein Radweg würde auch den Schulweg sicherer machen.", []),
                         ("anja", "Bitte an Beleuchtung denken, im Winter ist es um 16 Uhr "
                                  "dunkel.", [
                              ("ute", "Gute Ergänzung! Solarleuchten gibt es inzwischen auch "
                                      "für Radwege.", []),
                          ]),
                     ]),
                dict(author="mehmet", category=3, support=4, oppose=1,
                     title="Eine Fahrplan-Auskunft für ganz Sachsen",
                     text="Ich muss für eine Fahrt drei verschiedene Apps öffnen, weil jeder "
                          "Verbund seine eigene hat. Eine gemeinsame Auskunft mit "
                          "Rufbus, Bahn und Anschlüssen würde vieles einfacher machen.",
                     comments=[
                         ("sven", "Und bitte mit Echtzeitdaten, damit man weiß, ob der "
                                  "Anschluss wartet.", []),
                     ]),
                dict(author="katrin", category=1, support=3, oppose=0,
                     title="Mitfahrbänke in jedem Dorf",
                     text="In einigen Gemeinden gibt es Mitfahrbänke: Man setzt sich hin, "
                          "und wer in die Richtung fährt, nimmt einen mit. Das kostet fast "
                          "nichts und bringt Menschen zusammen.",
                     comments=[
                         ("doreen", "Bei uns wird die Bank kaum genutzt. Man müsste sie "
                                    "bekannter machen.", [
                              ("katrin", "Vielleicht mit einem Aushang im Gemeindeblatt und "
                                         "einer festen Zeit, zu der Pendler vorbeikommen.", []),
                          ]),
                         ("paul", "Ich nehme gern Leute mit, wenn ich zur Arbeit fahre.", []),
                     ]),
                dict(author="thomas", category=0, support=2, oppose=3,
                     title="Reaktivierung der stillgelegten Bahnstrecke prüfen",
                     text="Die Strecke nach Kamenz ist seit 20 Jahren stillgelegt, die Gleise "
                          "liegen noch. Eine Reaktivierung sollte ernsthaft geprüft werden.",
                     comments=[
                         ("sven", "Das dauert Jahrzehnte. Schnelle Busse wären sinnvoller.", [
                              ("thomas", "Andere Länder haben Strecken in fünf Jahren "
                                         "reaktiviert. Man muss es nur wollen.", []),
                          ]),
                     ]),
                dict(author="anja", category=2, support=3, oppose=0,
                     title="Fahrradständer und Schließfächer an Haltestellen",
                     text="Wer mit dem Rad zur Haltestelle fährt, braucht einen sicheren "
                          "Abstellplatz. An unserer Bushaltestelle gibt es nicht einmal "
                          "einen Bügel.",
                     comments=[
                         ("lena", "Überdachte Bügel würden schon reichen.", []),
                     ]),
                dict(author="sven", category=0, support=0, oppose=0,
                     title="Schluss mit dem Geschwätz",
                     text="Diese Umfrage ist doch sowieso nur Show. Die da oben machen "
                          "ohnehin, was sie wollen, und wer etwas anderes sagt, ist ein "
                          "Idiot.",
                     hidden="Beleidigung anderer Teilnehmender (Netiquette, Punkt 2).",
                     comments=[]),
            ],
        ),
        dict(
            slug="dorfgemeinschaftshaeuser",
            title="Förderung von Dorfgemeinschaftshäusern",
            question="Was braucht ein Dorfgemeinschaftshaus, damit es genutzt wird?",
            teaser="Das Land will Dorfgemeinschaftshäuser fördern. Welche Räume, Angebote und "
                   "Öffnungszeiten brauchen Sie vor Ort?",
            introduction=(
                "<p>Ab dem kommenden Jahr fördert der Freistaat den Umbau leerstehender "
                "Gebäude zu Dorfgemeinschaftshäusern. Die Förderrichtlinie wird gerade "
                "geschrieben.</p><p>Beiträge in diesem Dialog werden vor der Veröffentlichung "
                "von der Moderation geprüft.</p>"),
            contact_name="Referat 35 – Dorfentwicklung",
            moderation_mode="pre",
            categories=["Räume und Ausstattung", "Betrieb und Ehrenamt"],
            contributions=[
                dict(author="doreen", category=1, pending=True, support=0, oppose=0,
                     title="Schlüsselverwaltung digital lösen",
                     text="Bei uns scheitert vieles daran, dass nur eine Person den Schlüssel "
                          "hat. Ein elektronisches Schloss mit Buchungskalender würde das "
                          "Ehrenamt sehr entlasten.",
                     comments=[]),
            ],
        ),
    ],
    "nrw": [
        dict(
            slug="lebendige-innenstaedte",
            title="Lebendige Innenstädte",
            question="Wie machen wir Innenstädte lebendiger?",
            teaser="Leerstand, Hitze, zu wenig Platz zum Verweilen: Was würde Sie öfter in "
                   "Ihre Innenstadt locken?",
            introduction=(
                "<p>Die Innenstädte in Nordrhein-Westfalen verändern sich: Geschäfte "
                "schließen, der Onlinehandel wächst, gleichzeitig wünschen sich viele "
                "Menschen mehr Grün, mehr Kultur und mehr Orte ohne Konsumzwang.</p>"
                "<p>Das Ministerium entwickelt das Sofortprogramm Innenstadt weiter. Ihre "
                "Ideen fließen direkt in die neuen Förderschwerpunkte ein.</p>"),
            contact_name="Referat 512 – Stadterneuerung",
            categories=["Handel und Gastronomie", "Kultur und Freizeit", "Grün und Aufenthalt",
                        "Wohnen und Leerstand"],
            contributions=[
                dict(author="sabine", category=3, support=8, oppose=1,
                     title="Leerstehende Läden für Zwischennutzungen öffnen",
                     text="In unserer Fußgängerzone stehen zwölf Läden leer. Warum nicht "
                          "befristet an Start-ups, Künstlerinnen oder Vereine vermieten?\n\n"
                          "Die Stadt könnte die Miete für ein Jahr zum Teil übernehmen.",
                     comments=[
                         ("murat", "In Hamm hat das gut funktioniert, zwei der Läden sind "
                                   "danach fest vermietet worden.", [
                              ("sabine", "Das wusste ich nicht, danke! Gibt es dazu einen "
                                         "Bericht?", [
                                   ("murat", "Die Stadt hat eine Auswertung auf ihrer "
                                             "Website veröffentlicht: https://www.example.org/"
                                             "zwischennutzung", []),
                               ]),
                          ]),
                         ("official", "Zwischennutzungen fördert das Land bereits mit dem "
                                      "Verfügungsfonds Anmietung. Wir prüfen, ob die Laufzeit "
                                      "auf zwei Jahre verlängert werden kann.", []),
                     ]),
                dict(author="murat", category=2, support=6, oppose=0,
                     title="Mehr Bäume und Trinkbrunnen gegen die Hitze",
                     text="Im Sommer ist unsere Innenstadt unerträglich heiß. Schattige "
                          "Plätze, Bäume und kostenlose Trinkbrunnen würden helfen.",
                     comments=[
                         ("julia", "Und Sitzbänke im Schatten, auf denen man sitzen darf, "
                                   "ohne etwas zu kaufen.", [
                              ("klaus", "Bänke ja, aber bitte auch sauber halten.", []),
                          ]),
                     ]),
                dict(author="julia", category=1, support=5, oppose=2,
                     title="Kultur auf die Straße bringen",
                     text="Kleine Konzerte, Lesungen oder Theater auf den Plätzen am "
                          "Samstagnachmittag. Das bringt Leben in die Stadt und kostet "
                          "wenig.",
                     comments=[
                         ("ayse", "Bitte auch Angebote für Kinder und Jugendliche!", []),
                         ("frank", "Als Anwohner bitte ich um Rücksicht: nicht nach 22 Uhr.", [
                              ("julia", "Einverstanden, am Nachmittag ist ohnehin mehr los.", []),
                          ]),
                     ]),
                dict(author="klaus", category=0, support=4, oppose=3,
                     title="Kostenloses Parken am Samstag",
                     text="Viele fahren ins Einkaufszentrum am Stadtrand, weil man dort "
                          "kostenlos parkt. Zwei Stunden gratis am Samstag würden dem "
                          "Handel in der Innenstadt helfen.",
                     comments=[
                         ("nina", "Mehr Autos machen die Innenstadt nicht lebendiger. Besser "
                                  "günstige Tickets für Bus und Bahn.", [
                              ("klaus", "Nicht jeder wohnt an einer guten Busverbindung.", [
                                   ("nina", "Dann Park-and-Ride am Stadtrand mit "
                                            "kostenlosem Shuttle?", []),
                               ]),
                          ]),
                     ]),
                dict(author="ayse", category=3, support=5, oppose=0,
                     title="Wohnungen über den Geschäften",
                     text="Über vielen Läden stehen die Etagen leer. Wenn dort wieder Menschen "
                          "wohnen, ist die Innenstadt auch abends belebt.",
                     comments=[
                         ("dirk", "Oft fehlt ein eigener Eingang. Da müsste die Förderung "
                                  "ansetzen.", [
                              ("ayse", "Genau, und beim Brandschutz brauchen Eigentümer "
                                       "Beratung.", []),
                          ]),
                         ("sabine", "Auch Studierende suchen dringend Zimmer in der "
                                    "Innenstadt.", []),
                     ]),
                dict(author="frank", category=0, support=3, oppose=1,
                     title="Wochenmarkt auch am Abend",
                     text="Ein Feierabendmarkt am Donnerstag mit regionalen Produkten und "
                          "Gastronomie wäre ein Treffpunkt für Berufstätige.",
                     comments=[
                         ("lisa", "Gibt es in Münster schon, ist jede Woche voll.", [
                              ("frank", "Dann schauen wir uns das in Münster einmal an.", []),
                          ]),
                     ]),
                dict(author="nina", category=2, support=2, oppose=0,
                     title="Spielplätze mitten in der Stadt",
                     text="Familien kommen nur in die Stadt, wenn Kinder dort auch spielen "
                          "können. Ein Wasserspielplatz am Markt wäre toll.",
                     comments=[
                         ("stefan", "Wasserspiele kühlen im Sommer auch die Erwachsenen.", []),
                         ("klaus", "Und eine öffentliche Toilette in der Nähe, bitte.", []),
                     ]),
                dict(author="stefan", category=0, support=0, oppose=0,
                     title="Alle Händler sind Abzocker",
                     text="Die Läden in der Innenstadt sind zu Recht pleite. Wer dort noch "
                          "einkauft, ist selbst schuld, die Betreiber sind doch alle "
                          "Betrüger.",
                     hidden="Pauschale Beschuldigung ohne Belege (Netiquette, Punkt 3).",
                     comments=[]),
            ],
        ),
        dict(
            slug="schulhoefe-fuer-alle",
            title="Schulhöfe für alle",
            question="Was braucht ein Schulhof, der nachmittags allen offensteht?",
            teaser="Schulhöfe sollen außerhalb der Unterrichtszeit für die Nachbarschaft "
                   "geöffnet werden. Was ist dafür nötig?",
            introduction=(
                "<p>In vielen Stadtteilen fehlen Spiel- und Bewegungsflächen. Schulhöfe "
                "könnten nachmittags und am Wochenende geöffnet werden.</p><p>Beiträge in "
                "diesem Dialog werden vor der Veröffentlichung von der Moderation "
                "geprüft.</p>"),
            contact_name="Referat 513 – Quartiersentwicklung",
            moderation_mode="pre",
            categories=["Ausstattung", "Öffnungszeiten und Aufsicht"],
            contributions=[
                dict(author="lisa", category=1, pending=True, support=0, oppose=0,
                     title="Öffnung bis zum Einbruch der Dunkelheit",
                     text="Bei uns schließt der Schulhof um 16 Uhr. Im Sommer wäre eine "
                          "Öffnung bis 20 Uhr schön, mit einem Hausmeisterdienst oder "
                          "Ehrenamtlichen, die abschließen.",
                     comments=[]),
            ],
        ),
    ],
}


def ensure_demo_dialogs(tenant, spec):
    """Registered as the dialog module's demo content (apps.py); runs inside the schema."""
    from beteiligung.models import AuthorityPage

    authority = AuthorityPage.objects.order_by("path").first()
    key = spec.get("schema") or tenant.schema_name
    if authority is None or key not in DIALOGS:
        return
    for item in DIALOGS[key]:
        _ensure_dialog(authority, spec, key, item)


@transaction.atomic
def _ensure_dialog(authority, spec, key, item):
    from beteiligung.participation.state import bump_version

    from .pages import DialogCategory, DialogPage

    if DialogPage.objects.child_of(authority).filter(slug=item["slug"]).exists():
        return
    now = timezone.now().replace(second=0, microsecond=0)
    dialog = authority.add_child(instance=DialogPage(
        title=item["title"], slug=item["slug"], question=item["question"],
        teaser=item["teaser"], introduction=item["introduction"],
        starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=28),
        participation_mode="email", moderation_mode=item.get("moderation_mode", "post"),
        contact_name=item["contact_name"], contact_email=f"dialog@{spec['domain']}",
        categories=[DialogCategory(name=name, sort_order=order)
                    for order, name in enumerate(item["categories"])],
    ))
    dialog.save_revision().publish()
    categories = list(dialog.categories.order_by("sort_order"))
    users = _participants(spec, key)
    _write_posts(dialog, authority, categories, users, item["contributions"], now)
    bump_version(dialog.pk)


def _participants(spec, key):
    """The tenant's demo participants: verified addresses, no usable password."""
    from allauth.account.models import EmailAddress

    users = {}
    for handle, first, last in PARTICIPANTS[key]:
        email = f"{handle}.{_ascii(last)}@demo.{spec['domain']}"
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "first_name": first, "last_name": last})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True})
        users[handle] = user
    return users


def _ascii(value):
    return (value.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
            .replace("ß", "ss").replace("ş", "s"))


def _display_name(user):
    return f"{user.first_name} {user.last_name[:1]}."


def _write_posts(dialog, authority, categories, users, contributions, now):
    """Posts, ratings and counters, all in the caller's transaction."""
    from beteiligung.participation.identity import normalize_email
    from beteiligung.participation.moderation import Action, Visibility

    from .models import ModerationLog, Post, Rating

    handles = list(users)
    clock = [now - timedelta(days=6, hours=2)]

    def tick(hours):
        clock[0] = min(clock[0] + timedelta(hours=hours), now - timedelta(minutes=5))
        return clock[0]

    def new_post(author, hours=2, **fields):
        post = Post(dialog=dialog, **fields)
        if author == "official":
            post.author_name = authority.title
            post.is_official = True
        else:
            user = users[author]
            post.author = user
            post.author_name = _display_name(user)
            post.author_email, post.email_key = normalize_email(user.email)
        post.created_at = tick(hours)
        post.record_consent(NETIQUETTE, now=post.created_at)
        if post.visibility == Visibility.PUBLISHED:
            post.published_at = post.created_at
        post.save()
        return post

    def rate(post, author, support, oppose, offset):
        others = [h for h in handles if h != author]
        others = others[offset % len(others):] + others[:offset % len(others)]
        values = [1] * support + [-1] * oppose
        Rating.objects.bulk_create([
            Rating(post=post, user=users[handle], value=value, created_at=post.created_at
                   + timedelta(minutes=10 * (i + 1)))
            for i, (handle, value) in enumerate(zip(others, values, strict=False))
        ])
        post.support_count, post.oppose_count = support, oppose

    comment_index = [0]

    def add_comments(root, parent, entries):
        """Returns how many comments were written below ``parent`` (all levels)."""
        total = 0
        for author, text, replies in entries:
            comment = new_post(author, root=root, parent=parent, depth=parent.depth + 1,
                               text=text, visibility=Visibility.PUBLISHED)
            comment_index[0] += 1
            # Some comments get ratings too (never the authority's own reply).
            if author != "official" and comment_index[0] % 3 == 1:
                rate(comment, author, 2, comment_index[0] % 2, comment_index[0])
            below = add_comments(root, comment, replies)
            comment.reply_count = len(replies)
            comment.save(update_fields=["support_count", "oppose_count", "reply_count"])
            total += 1 + below
        return total

    for index, item in enumerate(contributions):
        if item.get("pending"):
            visibility = Visibility.PENDING
        elif item.get("hidden"):
            visibility = Visibility.HIDDEN
        else:
            visibility = Visibility.PUBLISHED
        post = new_post(item["author"], title=item["title"], text=item["text"],
                        category=categories[item["category"]], visibility=visibility, hours=10)
        rate(post, item["author"], item["support"], item["oppose"], index)
        post.reply_count = add_comments(post, post, item["comments"])
        if item.get("hidden"):
            post.hidden_reason = item["hidden"]
            post.hidden_at = post.created_at + timedelta(hours=1)
            ModerationLog.objects.create(dialog=dialog, post=post, action=Action.HIDE,
                                         reason=item["hidden"], at=post.hidden_at)
        post.save()
