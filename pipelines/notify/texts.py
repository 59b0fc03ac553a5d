"""Subject and body templates (jinja2) of every notification kind in en, de, sv, es; the facts they use are
documented in pipelines/notify/compose.py, the helpers (money, when, ...) in pipelines/notify/templates.py."""

from __future__ import annotations

_RECEIPT_LINES = "{% for line in receipt.lines %}{{ line.description }}: {{ money(line.amount) }}\n{% endfor %}"

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "session_started": {
        "en": (
            "Charging started at {{ station }}",
            "Your charging session at {{ station }} started at {{ when(started_at) }}.\n\nSession {{ session_id }}",
        ),
        "de": (
            "Ladevorgang an {{ station }} gestartet",
            "Ihr Ladevorgang an {{ station }} hat am {{ when(started_at) }} begonnen.\n\nLadevorgang {{ session_id }}",
        ),
        "sv": (
            "Laddningen vid {{ station }} har startat",
            "Din laddning vid {{ station }} startade {{ when(started_at) }}.\n\nLaddning {{ session_id }}",
        ),
        "es": (
            "Carga iniciada en {{ station }}",
            "Su sesión de carga en {{ station }} comenzó el {{ when(started_at) }}.\n\nSesión {{ session_id }}",
        ),
    },
    "session_completed": {
        "en": (
            "Charging complete at {{ station }}: {{ money(receipt.total) }}",
            "Your charging session at {{ station }} is complete.\n\n"
            "Start: {{ when(started_at) }}\nEnd: {{ when(stopped_at) }}\nDuration: {{ duration }}\n"
            "Energy: {{ energy(energy_kwh) }} kWh\n\n" + _RECEIPT_LINES + "Total incl. VAT: {{ money(receipt.total) }}"
            "\n\nSession {{ session_id }}",
        ),
        "de": (
            "Ladevorgang an {{ station }} abgeschlossen: {{ money(receipt.total) }}",
            "Ihr Ladevorgang an {{ station }} ist abgeschlossen.\n\n"
            "Beginn: {{ when(started_at) }}\nEnde: {{ when(stopped_at) }}\nDauer: {{ duration }}\n"
            "Energie: {{ energy(energy_kwh) }} kWh\n\n" + _RECEIPT_LINES + "Gesamt inkl. MwSt.: "
            "{{ money(receipt.total) }}\n\nLadevorgang {{ session_id }}",
        ),
        "sv": (
            "Laddningen vid {{ station }} är klar: {{ money(receipt.total) }}",
            "Din laddning vid {{ station }} är klar.\n\n"
            "Start: {{ when(started_at) }}\nSlut: {{ when(stopped_at) }}\nTid: {{ duration }}\n"
            "Energi: {{ energy(energy_kwh) }} kWh\n\n" + _RECEIPT_LINES + "Totalt inkl. moms: "
            "{{ money(receipt.total) }}\n\nLaddning {{ session_id }}",
        ),
        "es": (
            "Carga completada en {{ station }}: {{ money(receipt.total) }}",
            "Su sesión de carga en {{ station }} ha finalizado.\n\n"
            "Inicio: {{ when(started_at) }}\nFin: {{ when(stopped_at) }}\nDuración: {{ duration }}\n"
            "Energía: {{ energy(energy_kwh) }} kWh\n\n" + _RECEIPT_LINES + "Total con IVA: "
            "{{ money(receipt.total) }}\n\nSesión {{ session_id }}",
        ),
    },
    "running_cost_limit": {
        "en": (
            "Charging at {{ station }} has passed your limit of {{ money(limit) }}",
            "Your session at {{ station }} has cost {{ money(cost) }} so far ({{ when(as_of) }}), above your "
            "limit of {{ money(limit) }}. Stop charging in the app or at the station if you wish.\n\n"
            "Session {{ session_id }}",
        ),
        "de": (
            "Ladevorgang an {{ station }} über Ihrem Limit von {{ money(limit) }}",
            "Ihr Ladevorgang an {{ station }} kostet bisher {{ money(cost) }} ({{ when(as_of) }}) und liegt damit "
            "über Ihrem Limit von {{ money(limit) }}. Sie können ihn in der App oder an der Ladestation beenden."
            "\n\nLadevorgang {{ session_id }}",
        ),
        "sv": (
            "Laddningen vid {{ station }} har passerat din gräns på {{ money(limit) }}",
            "Din laddning vid {{ station }} har hittills kostat {{ money(cost) }} ({{ when(as_of) }}), mer än din "
            "gräns på {{ money(limit) }}. Avsluta i appen eller vid laddaren om du vill.\n\nLaddning {{ session_id }}",
        ),
        "es": (
            "La carga en {{ station }} ha superado su límite de {{ money(limit) }}",
            "Su sesión en {{ station }} lleva {{ money(cost) }} ({{ when(as_of) }}), por encima de su límite de "
            "{{ money(limit) }}. Puede detener la carga en la app o en el punto de carga.\n\nSesión {{ session_id }}",
        ),
    },
    "low_balance": {
        "en": (
            "Low balance: {{ money(balance) }}",
            "Your prepaid balance is {{ money(balance) }}, below {{ money(threshold) }}. Top up to keep charging.",
        ),
        "de": (
            "Niedriges Guthaben: {{ money(balance) }}",
            "Ihr Guthaben beträgt {{ money(balance) }} und liegt unter {{ money(threshold) }}. "
            "Laden Sie es auf, um weiter laden zu können.",
        ),
        "sv": (
            "Lågt saldo: {{ money(balance) }}",
            "Ditt saldo är {{ money(balance) }}, under {{ money(threshold) }}. Fyll på för att fortsätta ladda.",
        ),
        "es": (
            "Saldo bajo: {{ money(balance) }}",
            "Su saldo es de {{ money(balance) }}, por debajo de {{ money(threshold) }}. Recárguelo para seguir "
            "cargando.",
        ),
    },
    "charging_problem": {
        "en": (
            "Problem with charging at {{ station }}",
            "{% if problem == 'station_fault' %}The station {{ station }} reported a fault"
            "{% elif problem == 'interrupted' %}Your session at {{ station }} was interrupted"
            "{% else %}Your session at {{ station }} was closed without a stop from the station; "
            "its figures are provisional{% endif %}{% if detail %} ({{ detail }}){% endif %}."
            "{% if session_id %}\n\nSession {{ session_id }}{% endif %}",
        ),
        "de": (
            "Problem beim Laden an {{ station }}",
            "{% if problem == 'station_fault' %}Die Ladestation {{ station }} meldet eine Störung"
            "{% elif problem == 'interrupted' %}Ihr Ladevorgang an {{ station }} wurde unterbrochen"
            "{% else %}Ihr Ladevorgang an {{ station }} wurde ohne Stopp-Meldung der Station beendet; "
            "die Werte sind vorläufig{% endif %}{% if detail %} ({{ detail }}){% endif %}."
            "{% if session_id %}\n\nLadevorgang {{ session_id }}{% endif %}",
        ),
        "sv": (
            "Problem med laddningen vid {{ station }}",
            "{% if problem == 'station_fault' %}Laddaren {{ station }} rapporterar ett fel"
            "{% elif problem == 'interrupted' %}Din laddning vid {{ station }} avbröts"
            "{% else %}Din laddning vid {{ station }} avslutades utan stopp från laddaren; "
            "uppgifterna är preliminära{% endif %}{% if detail %} ({{ detail }}){% endif %}."
            "{% if session_id %}\n\nLaddning {{ session_id }}{% endif %}",
        ),
        "es": (
            "Problema con la carga en {{ station }}",
            "{% if problem == 'station_fault' %}El punto de carga {{ station }} ha notificado una avería"
            "{% elif problem == 'interrupted' %}Su sesión en {{ station }} se ha interrumpido"
            "{% else %}Su sesión en {{ station }} se cerró sin parada del punto de carga; "
            "los datos son provisionales{% endif %}{% if detail %} ({{ detail }}){% endif %}."
            "{% if session_id %}\n\nSesión {{ session_id }}{% endif %}",
        ),
    },
    "blocked_card": {
        "en": (
            "Charging card {{ masked(token) }} was refused",
            "Your card {{ masked(token) }} was refused at {{ station }} on {{ when(at) }} because it is "
            "{% if status == 'expired' %}expired{% else %}blocked{% endif %}. Contact us if this was not you.",
        ),
        "de": (
            "Ladekarte {{ masked(token) }} abgelehnt",
            "Ihre Karte {{ masked(token) }} wurde am {{ when(at) }} an {{ station }} abgelehnt, weil sie "
            "{% if status == 'expired' %}abgelaufen{% else %}gesperrt{% endif %} ist. "
            "Melden Sie sich bei uns, wenn Sie das nicht waren.",
        ),
        "sv": (
            "Laddkortet {{ masked(token) }} nekades",
            "Ditt kort {{ masked(token) }} nekades vid {{ station }} {{ when(at) }} eftersom det är "
            "{% if status == 'expired' %}utgånget{% else %}spärrat{% endif %}. Kontakta oss om det inte var du.",
        ),
        "es": (
            "Tarjeta de carga {{ masked(token) }} rechazada",
            "Su tarjeta {{ masked(token) }} fue rechazada en {{ station }} el {{ when(at) }} porque está "
            "{% if status == 'expired' %}caducada{% else %}bloqueada{% endif %}. Contáctenos si no fue usted.",
        ),
    },
    "refund_decided": {
        "en": (
            "Refund {{ 'approved' if decision == 'approved' else 'declined' }}: {{ money(amount) }}",
            "Your refund {{ refund_id }} of {{ money(amount) }} for session {{ session_id }} was "
            "{{ 'approved' if decision == 'approved' else 'declined' }}.{% if reason %}\nReason: {{ reason }}"
            "{% endif %}",
        ),
        "de": (
            "Erstattung {{ 'genehmigt' if decision == 'approved' else 'abgelehnt' }}: {{ money(amount) }}",
            "Ihre Erstattung {{ refund_id }} über {{ money(amount) }} für den Ladevorgang {{ session_id }} wurde "
            "{{ 'genehmigt' if decision == 'approved' else 'abgelehnt' }}.{% if reason %}\nGrund: {{ reason }}"
            "{% endif %}",
        ),
        "sv": (
            "Återbetalning {{ 'godkänd' if decision == 'approved' else 'avslagen' }}: {{ money(amount) }}",
            "Din återbetalning {{ refund_id }} på {{ money(amount) }} för laddning {{ session_id }} har "
            "{{ 'godkänts' if decision == 'approved' else 'avslagits' }}.{% if reason %}\nSkäl: {{ reason }}"
            "{% endif %}",
        ),
        "es": (
            "Reembolso {{ 'aprobado' if decision == 'approved' else 'rechazado' }}: {{ money(amount) }}",
            "Su reembolso {{ refund_id }} de {{ money(amount) }} por la sesión {{ session_id }} ha sido "
            "{{ 'aprobado' if decision == 'approved' else 'rechazado' }}.{% if reason %}\nMotivo: {{ reason }}"
            "{% endif %}",
        ),
    },
    "invoice_issued": {
        "en": (
            "Invoice {{ invoice_number }}: {{ money(total) }}",
            "Your invoice {{ invoice_number }} for {{ period }} is ready: {{ money(total) }}, due {{ day(due_date) }}.",
        ),
        "de": (
            "Rechnung {{ invoice_number }}: {{ money(total) }}",
            "Ihre Rechnung {{ invoice_number }} für {{ period }} liegt vor: {{ money(total) }}, fällig am "
            "{{ day(due_date) }}.",
        ),
        "sv": (
            "Faktura {{ invoice_number }}: {{ money(total) }}",
            "Din faktura {{ invoice_number }} för {{ period }} är klar: {{ money(total) }}, förfaller "
            "{{ day(due_date) }}.",
        ),
        "es": (
            "Factura {{ invoice_number }}: {{ money(total) }}",
            "Su factura {{ invoice_number }} de {{ period }} está disponible: {{ money(total) }}, vence el "
            "{{ day(due_date) }}.",
        ),
    },
}
