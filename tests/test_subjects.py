from kiosk.core.subjects import SUBJECT_NAMES_EN, subject_name


def test_known_subjects_get_english_names_only_on_english_screens():
    assert subject_name("Ketenagakerjaan", "en") == "Employment"
    assert subject_name("Ketenagakerjaan", "id") == "Ketenagakerjaan"
    assert subject_name("  statistik   UMUM ", "en") == "General statistics"    # as offices type it


def test_an_unknown_subject_is_shown_as_the_office_wrote_it():
    assert subject_name("Koleksi Khusus Daerah", "en") == "Koleksi Khusus Daerah"
    assert subject_name("", "en") == ""


def test_every_key_is_in_the_form_the_lookup_makes():
    for key in SUBJECT_NAMES_EN:
        assert key == " ".join(key.casefold().split())
