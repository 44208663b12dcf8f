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


def test_a_shelf_reads_shelf_in_english_and_rak_in_indonesian():
    from kiosk.core.subjects import shelf_name
    assert shelf_name("Rak B-3", "en") == "Shelf B-3" and shelf_name("rak  12", "en") == "Shelf 12"
    assert shelf_name("Rak B-3", "id") == "Rak B-3"
    assert shelf_name("Lemari arsip 2", "en") == "Lemari arsip 2"      # anything else as written
    assert shelf_name("Rakyat corner", "en") == "Rakyat corner" and shelf_name("", "en") == ""
