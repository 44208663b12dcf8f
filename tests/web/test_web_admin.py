"""Admin pages over HTTP: an admin adds and disables staff accounts (CSRF, audit); a desk account cannot."""
from __future__ import annotations

from starlette.testclient import TestClient

from kiosk.core.models import AuditEntry, StaffAccount
from kiosk.web.app import create_app
from web_helpers import PASSWORD, csrf_of, login

SCRIPT = "<script>alert(1)</script>"


def client_of(rt, name: str) -> TestClient:
    return client_of_password(rt, name, PASSWORD)


def client_of_password(rt, name: str, password: str) -> TestClient:
    client = TestClient(create_app(rt, poll=False))
    assert login(client, name, password).status_code == 303
    return client


def admin_post(client, action: str, **data):
    return client.post(f"/admin/staff/{action}", data={"csrf": csrf_of(client.get("/admin").text), **data},
                       follow_redirects=False)


def test_admin_adds_and_disables_an_account_audited(web_rt):
    ani = client_of(web_rt, "ani")
    r = admin_post(ani, "add", name="Citra", role="desk", password="another long secret")
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    page = ani.get("/admin").text
    assert 'id="account-citra"' in page and "Akun citra ditambahkan" in page
    assert StaffAccount.get(StaffAccount.name == "citra").role == "desk"
    citra = client_of_password(web_rt, "citra", "another long secret")
    assert citra.get("/desk").status_code == 200
    assert admin_post(ani, "disable", name="citra").status_code == 303
    assert not StaffAccount.get(StaffAccount.name == "citra").active
    assert citra.get("/desk", follow_redirects=False).status_code == 303       # the cookie stops working
    assert admin_post(ani, "enable", name="citra").status_code == 303
    assert StaffAccount.get(StaffAccount.name == "citra").active
    actions = [(e.staff, e.action, e.detail) for e in AuditEntry.select().where(AuditEntry.action.startswith("staff"))
               .order_by(AuditEntry.id)]
    assert actions[-3:] == [("ani", "staff_add", "citra (desk)"), ("ani", "staff_disable", "citra"),
                            ("ani", "staff_enable", "citra")]


def test_bad_accounts_are_refused_in_one_sentence(web_rt):
    ani = client_of(web_rt, "ani")
    for data in ({"name": "dewi", "role": "desk", "password": "short"},
                 {"name": "budi", "role": "desk", "password": PASSWORD},           # taken
                 {"name": SCRIPT, "role": "desk", "password": PASSWORD},
                 {"name": "eko", "role": "root", "password": PASSWORD}):
        r = admin_post(ani, "add", **data)
        assert r.status_code == 400 and "Traceback" not in r.text and "<script>alert" not in r.text
    assert StaffAccount.select().count() == 2
    assert admin_post(ani, "disable", name="ani").status_code == 400      # not oneself
    assert StaffAccount.get(StaffAccount.name == "ani").active


def test_a_desk_account_cannot_use_the_admin_pages(web_rt):
    budi = client_of(web_rt, "budi")
    assert budi.get("/admin").status_code == 403
    token = csrf_of(budi.get("/desk").text)
    for action, data in (("add", {"name": "eko", "role": "admin", "password": PASSWORD}),
                         ("disable", {"name": "ani"})):
        r = budi.post(f"/admin/staff/{action}", data={"csrf": token, **data}, follow_redirects=False)
        assert r.status_code == 403
    assert StaffAccount.select().count() == 2 and StaffAccount.get(StaffAccount.name == "ani").active
    assert "/admin" not in budi.get("/desk").text                             # no link to it either


def test_admin_forms_need_the_csrf_token(web_rt):
    ani = client_of(web_rt, "ani")
    r = ani.post("/admin/staff/add", data={"name": "eko", "role": "admin", "password": PASSWORD},
                 follow_redirects=False)
    assert r.status_code == 403 and StaffAccount.select().count() == 2
    anonymous = TestClient(create_app(web_rt, poll=False))
    assert anonymous.get("/admin", follow_redirects=False).headers["location"].startswith("/login")
