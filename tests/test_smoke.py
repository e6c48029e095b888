def test_home_page_is_french(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Formation professionnelle au Maroc" in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_reference_seed_is_idempotent(app, reference, db):
    from quota_app.reference.models import Region
    from quota_app.seed.reference import seed_reference

    seed_reference()
    db.session.commit()
    regions = db.session.execute(db.select(Region)).scalars().all()
    assert len(regions) == 20
    assert {r.code for r in regions} >= {"00", "19"}
