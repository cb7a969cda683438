"""Every fixed string of the reports, in English and Welsh (``--lang cy``).

One catalogue, so that a Welsh report has no English left in it: a test renders the Welsh
reports and looks for each English string. Terms follow Welsh Government usage where there is
one (cyfranogwr, llyfr codau, atodiad, canran); placeholders in braces are filled in by
:func:`say`. The Welsh was written for this project and wants a fluent reviewer's eye before a
published report relies on it.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "matrix_title": "{aim}: framework matrix",
    "themes_title": "{aim}: themes",
    "participant": "Participant",
    "code": "Code",
    "definition": "Definition",
    "participants": "Participants",
    "by": "By {attribute}",
    "quotes": "Illustrative quotes",
    "n_of": "{n} of {total}",
    "table": "Table",
    "figure": "Figure",
    "all": "All",
    "prevalence_heading": "Prevalence of codes by {attribute}",
    "prevalence_caption": "Share of participants raising each code, by {attribute}",
    "prevalence_note": (
        "Each cell: participants who raised the code, of the group, as a percentage; the darker "
        "the cell, the larger the share."
    ),
    "appendix": "Appendix: codebook",
    "include": "Include:",
    "exclude": "Exclude:",
    "typical": "Typical examples:",
    "atypical": "Atypical examples:",
    "none_yet": "No coded segments for this aim yet.",
    "resolved_only": "Resolved codings only",
    "with_suggestions": "Resolved codings and unreviewed machine suggestions (marked)",
    "provenance": (
        "{what}. Participants are shown by id{shown} only; {swaps} names, places and other "
        "identifiers in quotes were replaced."
    ),
    "and_attributes": " and {attributes}",
    "uncoded_one": (
        "Counts of participants are of the {n} already coded; 1 participant not coded yet is "
        "left out (a code not found there is not yet known)."
    ),
    "uncoded_many": (
        "Counts of participants are of the {n} already coded; {k} participants not coded yet "
        "are left out (a code not found there is not yet known)."
    ),
    "draft_mark": "MACHINE DRAFT: unreviewed suggestions, not findings. Not for publication.",
    "draft_title": "Machine draft: {title}",
    "draft_opening": (
        "This is a machine draft: it shows the machine's unreviewed suggestions (in italics) "
        "beside any reviewed coding, and none of them is a finding until a person has reviewed "
        "it (qualcode review)."
    ),
    "draft_caption": "Machine draft (unreviewed suggestions). ",
    "suggested": "[suggested, not reviewed]",
    "turn": "(turn {turn})",
    "quoted_under": "(turn {turn}, quoted under {code})",
    "page": "page",
    "subject_matrix": "framework matrix",
    "subject_themes": "theme tables",
    "codings_sheet": "codings",
    "col_aim": "aim",
    "col_code": "code",
    "col_code_name": "code name",
    "col_participant": "participant",
    "col_turn": "turn",
    "col_status": "status",
    "col_key_quote": "key quote",
    "col_quote": "quote",
    "resolved": "resolved",
    "suggested_status": "suggested",
    "yes": "yes",
    "more_suggested": "(+{n} from unreviewed suggestions)",
    "list_of_tables": "List of tables",
    "update_fields": "(in Word: right-click and Update field to refresh this list)",
    "notes_sheet": "notes",
    "quote_choice_themes": (
        "How quotes were chosen: for each code, a quote a reviewer marked as key (★) first; "
        "then turns of at least {words} words that carry the code's evidence (the words its "
        "rules matched, its keywords or the learned model's strongest terms, in bold); "
        "introductions, consent and sign-offs only when a code has nothing else; at most one "
        "quote per participant{spread}; and no turn quoted under two codes in one table."
    ),
    "quote_choice_matrix": (
        "How quotes were chosen: in each cell, a quote a reviewer marked as key (★) first; "
        "then turns of at least {words} words that carry the code's evidence (the words its "
        "rules matched, its keywords or the learned model's strongest terms, in bold); "
        "introductions, consent and sign-offs only when nothing else was coded; and no turn "
        "quoted under two codes in one row."
    ),
    "spread_over": ", spread over the {attribute} groups",
    "no_group": "(none)",
    # the final coding's note: in English as qualcode.review.layers.Final.note() words it
    "final_none": "No unresolved disagreements between coders.",
    "final_one": (
        "{n} segment coded differently by two or more people is not yet reconciled; it uses "
        "{rule} (qualcode reconcile)."
    ),
    "final_many": (
        "{n} segments coded differently by two or more people are not yet reconciled; they "
        "use {rule} (qualcode reconcile)."
    ),
    "rule_all": "the codes any coder gave",
    "rule_agreed": "only the codes no coder judged absent",
    "rule_coder": "{coder}'s codes where they coded the segment, else any coder's",
}

CY: dict[str, str] = {
    "matrix_title": "{aim}: matrics fframwaith",
    "themes_title": "{aim}: themâu",
    "participant": "Cyfranogwr",
    "code": "Cod",
    "definition": "Diffiniad",
    "participants": "Cyfranogwyr",
    "by": "Yn ôl {attribute}",
    "quotes": "Dyfyniadau enghreifftiol",
    "n_of": "{n} o {total}",
    "table": "Tabl",
    "figure": "Ffigur",
    "all": "Pawb",
    "prevalence_heading": "Amlder y codau yn ôl {attribute}",
    "prevalence_caption": "Cyfran y cyfranogwyr a gododd bob cod, yn ôl {attribute}",
    "prevalence_note": (
        "Pob cell: y cyfranogwyr yn y grŵp a gododd y cod, fel canran; po dywyllaf y gell, "
        "mwyaf yw'r gyfran."
    ),
    "appendix": "Atodiad: llyfr codau",
    "include": "Cynnwys:",
    "exclude": "Hepgor:",
    "typical": "Enghreifftiau nodweddiadol:",
    "atypical": "Enghreifftiau annodweddiadol:",
    "none_yet": "Dim darnau wedi'u codio ar gyfer y nod hwn eto.",
    "resolved_only": "Codio wedi'i gadarnhau yn unig",
    "with_suggestions": "Codio wedi'i gadarnhau ac awgrymiadau peiriant heb eu hadolygu "
    "(wedi'u marcio)",
    "provenance": (
        "{what}. Dangosir cyfranogwyr yn ôl eu dynodydd{shown} yn unig; disodlwyd {swaps} o "
        "enwau, lleoedd a dynodwyr eraill yn y dyfyniadau."
    ),
    "and_attributes": " a {attributes}",
    "uncoded_one": (
        "Mae'r cyfrifon cyfranogwyr o'r {n} y mae rhywun wedi'u codio; gadawyd allan 1 "
        "cyfranogwr nad oes neb wedi'i godio eto (nid yw'n hysbys eto a oes cod yno)."
    ),
    "uncoded_many": (
        "Mae'r cyfrifon cyfranogwyr o'r {n} y mae rhywun wedi'u codio; gadawyd allan {k} "
        "cyfranogwr nad oes neb wedi'u codio eto (nid yw'n hysbys eto a oes cod yno)."
    ),
    "draft_mark": (
        "DRAFFT PEIRIANT: awgrymiadau heb eu hadolygu, nid canfyddiadau. Nid i'w gyhoeddi."
    ),
    "draft_title": "Drafft peiriant: {title}",
    "draft_opening": (
        "Drafft peiriant yw hwn: mae'n dangos awgrymiadau'r peiriant heb eu hadolygu (mewn "
        "llythrennau italig) ochr yn ochr ag unrhyw godio a adolygwyd, ac nid yw'r un ohonynt "
        "yn ganfyddiad nes i berson ei adolygu (qualcode review)."
    ),
    "draft_caption": "Drafft peiriant (awgrymiadau heb eu hadolygu). ",
    "suggested": "[awgrym, heb ei adolygu]",
    "turn": "(tro {turn})",
    "quoted_under": "(tro {turn}, wedi'i ddyfynnu dan {code})",
    "page": "tudalen",
    "subject_matrix": "matrics fframwaith",
    "subject_themes": "tablau themâu",
    "codings_sheet": "codio",
    "col_aim": "nod",
    "col_code": "cod",
    "col_code_name": "enw'r cod",
    "col_participant": "cyfranogwr",
    "col_turn": "tro",
    "col_status": "statws",
    "col_key_quote": "dyfyniad allweddol",
    "col_quote": "dyfyniad",
    "resolved": "wedi'i gadarnhau",
    "suggested_status": "awgrym",
    "yes": "ie",
    "more_suggested": "(+{n} o awgrymiadau heb eu hadolygu)",
    "list_of_tables": "Rhestr tablau",
    "update_fields": "(yn Word: de-gliciwch a Diweddaru maes i adnewyddu'r rhestr hon)",
    "notes_sheet": "nodiadau",
    "quote_choice_themes": (
        "Sut y dewiswyd y dyfyniadau: ar gyfer pob cod, yn gyntaf ddyfyniad a farciwyd yn "
        "allweddol (★) gan adolygydd; yna troeon o {words} gair o leiaf sy'n dwyn tystiolaeth y "
        "cod (y geiriau a ganfu ei reolau, ei allweddeiriau neu dermau cryfaf y model dysgedig, "
        "mewn print trwm); cyflwyniadau, caniatâd a ffarwelio dim ond pan nad oes dim arall gan "
        "god; un dyfyniad fesul cyfranogwr ar y mwyaf{spread}; a dim tro wedi'i ddyfynnu dan "
        "ddau god yn yr un tabl."
    ),
    "quote_choice_matrix": (
        "Sut y dewiswyd y dyfyniadau: ym mhob cell, yn gyntaf ddyfyniad a farciwyd yn "
        "allweddol (★) gan adolygydd; yna troeon o {words} gair o leiaf sy'n dwyn tystiolaeth y "
        "cod (y geiriau a ganfu ei reolau, ei allweddeiriau neu dermau cryfaf y model dysgedig, "
        "mewn print trwm); cyflwyniadau, caniatâd a ffarwelio dim ond pan na chodiwyd dim "
        "arall; a dim tro wedi'i ddyfynnu dan ddau god yn yr un rhes."
    ),
    "spread_over": ", wedi'u gwasgaru dros grwpiau {attribute}",
    "no_group": "(dim)",
    "final_none": "Dim anghytundebau heb eu datrys rhwng codwyr.",
    "final_one": (
        "Mae {n} segment a godiwyd yn wahanol gan ddau neu fwy o bobl heb ei gysoni eto; mae'n "
        "defnyddio {rule} (qualcode reconcile)."
    ),
    "final_many": (
        "Mae {n} o segmentau a godiwyd yn wahanol gan ddau neu fwy o bobl heb eu cysoni eto; "
        "maent yn defnyddio {rule} (qualcode reconcile)."
    ),
    "rule_all": "y codau a roddodd unrhyw godiwr",
    "rule_agreed": "dim ond y codau na farnodd unrhyw godiwr eu bod yn absennol",
    "rule_coder": "codau {coder} lle codiodd y segment, fel arall codau unrhyw godiwr",
}

# framework summaries in a matrix cell (qualcode.analysis.summaries)
EN |= {"summary_by": "Summary ({author})", "draft_summary": "Machine draft summary (unedited)"}
CY |= {
    "summary_by": "Crynodeb ({author})",
    "draft_summary": "Drafft peiriant o grynodeb (heb ei olygu)",
}

CATALOGUES = {"en": EN, "cy": CY}


BILINGUAL = "en+cy"
SEPARATOR = " / "  # English first, then Welsh, in a bilingual report


def say(lang: str, key: str, **values: object) -> str:
    """The fixed string ``key`` in ``lang`` (English when the language is unknown); with
    ``en+cy``, both, English first."""
    if lang == BILINGUAL:
        return EN[key].format(**values) + SEPARATOR + CY[key].format(**values)
    return CATALOGUES.get(lang, EN)[key].format(**values)


def both(lang: str, english: str, welsh: str) -> str:
    """A codebook's wording in the report's language: Welsh where given, both when bilingual."""
    if lang == "cy":
        return welsh or english
    if lang == BILINGUAL and welsh and welsh != english:
        return english + SEPARATOR + welsh
    return english
