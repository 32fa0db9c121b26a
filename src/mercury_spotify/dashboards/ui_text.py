"""The words of the dashboard pages around the cards, in English and Brazilian Portuguese."""

from __future__ import annotations

from mercury_spotify.dashboards.definition import Text

UI: dict[str, Text] = {
    "app_title": Text("Mercury", "Mercury"),
    "page": Text("Page", "Página"),
    "language": Text("Language", "Idioma"),
    "listener": Text("Listener", "Ouvinte"),
    "all_listeners": Text("Everyone", "Todos"),
    "include_incognito": Text("Include incognito plays", "Incluir reproduções anônimas"),
    "incognito_help": Text(
        "Incognito plays are left out of every figure unless this is on.",
        "As reproduções anônimas ficam fora de todos os números, a menos que isto esteja ligado.",
    ),
    "date_range": Text("Dates", "Período"),
    "date_range_help": Text("Local calendar days, first and last included.",
                            "Dias locais, incluindo o primeiro e o último."),
    "day": Text("Day", "Dia"),
    "plays_between": Text("Plays between", "Reproduções entre"),
    "previous": Text("◀ Previous day", "◀ Dia anterior"),
    "next": Text("Next day ▶", "Próximo dia ▶"),
    "latest": Text("Latest day", "Último dia"),
    "measure_streams": Text("counts streams (plays of 30 s or more)",
                            "conta streams (reproduções de 30 s ou mais)"),
    "measure_listening_time": Text("sums listening time", "soma o tempo de escuta"),
    "measure_plays": Text("counts plays with a skip flag", "conta reproduções com registro de pulo"),
    "measure_none": Text("", ""),
    "vs_previous": Text("vs. the day before", "em relação ao dia anterior"),
    "no_change_base": Text("no plays the day before", "sem reproduções no dia anterior"),
    "no_rows": Text("Nothing to show.", "Nada para mostrar."),
    "no_plays_day": Text("No plays on this day.", "Nenhuma reprodução neste dia."),
    "no_gaps": Text("No gaps: every stretch of days has plays.",
                    "Sem lacunas: todos os intervalos de dias têm reproduções."),
    "no_rejected": Text("No rejected records.", "Nenhum registro rejeitado."),
    "no_failures": Text("The latest build passed every data test.",
                        "O build mais recente passou em todos os testes de dados."),
    "no_build": Text("No build has run yet.", "Nenhum build foi executado ainda."),
    "no_first_listens": Text("No track was streamed for the first time on this day.",
                             "Nenhuma faixa teve seu primeiro stream neste dia."),
    "updating": Text("Updating… an import or sync is writing the warehouse. This page tries again "
                     "in a few seconds.",
                     "Atualizando… uma importação ou sincronização está gravando o banco. Esta "
                     "página tenta de novo em alguns segundos."),
    "empty_title": Text("No listening history yet", "Ainda não há histórico de escuta"),
    "empty_body": Text(
        "Import your Spotify export (request it under Account → Privacy settings → Download your "
        "data) with:\n\n```\nmercury import my_spotify_data.zip\n```\n\nor try Mercury with "
        "synthetic data:\n\n```\nmercury demo\nMERCURY_HOME=<home>/demo mercury dashboard\n```",
        "Importe a sua exportação do Spotify (peça em Conta → Configurações de privacidade → "
        "Baixar seus dados) com:\n\n```\nmercury import my_spotify_data.zip\n```\n\nou experimente "
        "o Mercury com dados sintéticos:\n\n```\nmercury demo\nMERCURY_HOME=<home>/demo mercury "
        "dashboard\n```",
    ),
    "rebuild_needed": Text(
        "The warehouse lacks a table these dashboards read, so it was probably built by an older "
        "version of Mercury. Rebuild it with `mercury build`, then reload this page.",
        "Falta no banco uma tabela que estes painéis leem; ele provavelmente foi gerado por uma "
        "versão anterior do Mercury. Gere-o de novo com `mercury build` e recarregue esta página.",
    ),
    "warehouse_error": Text("The warehouse could not be read: {message}",
                            "Não foi possível ler o banco: {message}"),
    "reading": Text("Reading", "Lendo"),
    "weekday": Text("Weekday", "Dia da semana"),
    "hour": Text("Hour", "Hora"),
    "warehouse": Text("Warehouse", "Banco"),
}


def ui(key: str, lang: str) -> str:
    """Return the page text ``key`` in ``lang``."""
    return UI[key].get(lang)
