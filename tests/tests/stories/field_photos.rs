//! Photos on visits and concerns (issue 14, item 3): taken on the phone and made small, kept in
//! its store, sent after the ops in their own requests that resume where a cut left them;
//! checked by the server (type, size, content against the name) and stored; shown as
//! thumbnails to the offices in scope, every view audited. A photo the server refuses is shown
//! refused on the phone, and nothing else is held back.

use image::codecs::jpeg::JpegEncoder;
use image::{ImageBuffer, Rgb};
use minqing_mobile::store::{Disposition, NewConcern, NewVisit, PhotoState, TakenPhoto};
use minqing_mobile::sync::{HttpTransport, SyncEngine, Transport, TransportError};
use minqing_shared::concern::Category;
use minqing_shared::household::HouseholdStatus;
use minqing_shared::ids::{CadreId, HouseholdId};
use minqing_shared::org::{Cadre, Role};
use minqing_shared::photo::{PhotoId, PhotoRefusal, TARGET_BYTES};
use minqing_shared::sync::op::{HouseholdPatch, Payload};
use minqing_shared::visit::VisitMode;
use minqing_tests::county::County;
use minqing_tests::faults::{FaultyTransport, app_phone};
use minqing_tests::office::OfficeClient;
use minqing_tests::{ApiPhone, TestServer};

/// A picture as a phone camera gives it: large, and noisy enough that it does not compress.
fn camera_picture(seed: u32) -> Vec<u8> {
    let mut state = seed;
    let img = ImageBuffer::from_fn(2400, 1800, |x, y| {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let noise = (state >> 24) as u8 / 4;
        Rgb([(x / 10) as u8 ^ noise, (y / 8) as u8 ^ noise, 120u8.wrapping_add(noise)])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 92).encode_image(&img).unwrap();
    out
}

/// A household of wang's, confirmed, on the server.
async fn wang_household(server: &TestServer, county: &County, head: &str) -> HouseholdId {
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let (id, create) = wang.new_household(county.village, head);
    let confirm = wang.op(
        id.0,
        Payload::Household(HouseholdPatch {
            status: Some(HouseholdStatus::Confirmed),
            ..HouseholdPatch::default()
        }),
    );
    assert!(wang.push(&[create, confirm]).await.ok().rejected.is_empty());
    id
}

fn visit(household: HouseholdId, photos: Vec<TakenPhoto>, concern: Vec<TakenPhoto>) -> NewVisit {
    NewVisit {
        household_id: household,
        mode: VisitMode::InPerson,
        topics: vec![],
        policies: String::new(),
        summary: "看了漏雨的房顶".into(),
        gps: None,
        no_fix: None,
        visited_at: None,
        concerns: vec![NewConcern {
            category: Category::SocialAssistance,
            description: "房顶漏雨，申请危房改造".into(),
            disposition: Disposition::Open,
            photos: concern,
        }],
        photos,
    }
}

/// The server's copy of a photo, once stored.
fn stored(server: &TestServer, id: &PhotoId, thumb: bool) -> Option<Vec<u8>> {
    let id = id.clone();
    server.write(move |tx| tx.photo(&id, thumb))
}

/// Bytes of `id` the server holds from an upload under way (kept by a task of its own when the
/// connection is cut, so waited for).
async fn partial(server: &TestServer, id: &PhotoId) -> usize {
    for _ in 0..50 {
        let id = id.clone();
        if let Some(u) = server.write(move |tx| tx.photo_upload(&id)) {
            return u.received.len();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    0
}

#[tokio::test]
async fn a_photo_cut_halfway_resumes_where_it_stopped_and_reaches_the_office_in_scope() {
    let server = TestServer::start().await;
    let county = server.county();
    let home = wang_household(&server, &county, "刘长河").await;
    let dir = tempfile::tempdir().unwrap();
    let phone = app_phone(&server.url, "wang", dir.path(), minqing_tests::clock::shared()).await;

    // Two photos of the roof on the visit, one on the concern: made small on the phone.
    let (raw, raw2) = (camera_picture(1), camera_picture(2));
    let roof = minqing_mobile::photo::take(&raw).unwrap();
    let roof2 = minqing_mobile::photo::take(&raw2).unwrap();
    let concern_photo = minqing_mobile::photo::take(&camera_picture(3)).unwrap();
    assert!(raw.len() > 4 * TARGET_BYTES, "the camera's picture is large ({} bytes)", raw.len());
    for p in [&roof, &roof2, &concern_photo] {
        assert!(p.jpeg.len() <= TARGET_BYTES && p.jpeg.len() > 60_000, "{} bytes", p.jpeg.len());
    }
    let visit_id = phone
        .store()
        .record_visit(
            &visit(home, vec![roof.clone(), roof2.clone()], vec![concern_photo.clone()]),
            minqing_tests::clock::now(),
        )
        .unwrap();

    // Signal goes halfway through the first photo: the visit and the concern are in, the
    // server keeps the part of the photo that arrived.
    *phone.transport().cut_photo_after.lock().unwrap() = Some(40_000);
    let cut = phone.sync_once().await;
    assert!(cut.as_ref().is_err_and(|e| e.is_transient()), "{cut:?}");
    assert_eq!(
        server.sql().count("SELECT COUNT(*) FROM visits", &[]),
        1,
        "the visit is not held back"
    );
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM concerns", &[]), 1);
    assert_eq!(partial(&server, &roof.id).await, 40_000);
    assert!(stored(&server, &roof.id, false).is_none());
    assert_eq!(phone.store().sync_info().unwrap().photos_waiting, 3);

    // Back in signal: the first photo goes on from byte 40,000, the others whole.
    let report = phone.sync_once().await.unwrap();
    assert_eq!((report.photos_sent, report.photos_refused), (3, 0));
    assert_eq!(*phone.transport().photo_offsets.lock().unwrap(), vec![0, 40_000, 0, 0]);
    for p in [&roof, &roof2, &concern_photo] {
        assert_eq!(stored(&server, &p.id, false).as_deref(), Some(&p.jpeg[..]), "stored whole");
        let thumb = stored(&server, &p.id, true).unwrap();
        let small = image::load_from_memory(&thumb).unwrap();
        assert_eq!(small.width().max(small.height()), 240);
    }
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM photo_uploads", &[]), 0);
    // The phone keeps only thumbnails of what the server has.
    let named = phone.store().visit(visit_id).unwrap().unwrap().photos;
    let on_phone = phone.store().photos_of(visit_id.0, &named).unwrap();
    assert_eq!(on_phone.len(), 2);
    assert!(on_phone.iter().all(|p| p.state == PhotoState::Sent), "{on_phone:?}");
    assert_eq!(phone.store().photo_jpeg(&roof.id).unwrap(), None);
    assert_eq!(phone.store().sync_info().unwrap().photos_waiting, 0);
    let again = phone.sync_once().await.unwrap();
    assert_eq!(again.photos_sent, 0, "nothing is sent twice");

    // The township office sees the thumbnails on the household's page and the concern's, and
    // opens a photo; every view is in the audit log.
    let office = OfficeClient::login(&server.url, "office").await;
    let page = office.get(&format!("/office/households/{home}")).await.body;
    for p in [&roof, &roof2, &concern_photo] {
        assert!(
            page.contains(&format!("/office/photos/{}/thumb", p.id)),
            "thumbnail on the household page"
        );
    }
    let concern_id = server.sql().column("SELECT id FROM concerns", &[]).remove(0);
    let page = office.get(&format!("/office/concerns/{concern_id}")).await.body;
    assert!(page.contains(&format!("/office/photos/{}/thumb", concern_photo.id)));
    let (status, kind, bytes) =
        office.get_bytes(&format!("/office/photos/{}/thumb", roof.id)).await;
    assert_eq!((status.as_u16(), kind.as_str()), (200, "image/jpeg"));
    assert!(minqing_shared::photo::is_jpeg(&bytes));
    let (status, _, bytes) = office.get_bytes(&format!("/office/photos/{}", roof.id)).await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(bytes, roof.jpeg, "the whole photo as the phone sent it");
    let views = server.sql().rows(
        "SELECT record_type, record_id FROM audit WHERE record_type LIKE 'photo%' ORDER BY id",
        &[],
    );
    let id = roof.id.to_string();
    assert_eq!(
        views,
        vec![vec!["photo_thumb".to_owned(), id.clone()], vec!["photo".to_owned(), id.clone()]]
    );

    // Another township's office does not see it; nor does anyone not logged in.
    let hash = minqing_server::password::hash_password(minqing_tests::PASSWORD);
    let other = Cadre {
        id: CadreId::new(),
        username: "hexi".into(),
        name: "河西乡联系户办公室".into(),
        unit_id: county.other_township,
        role: Role::Office,
        phone: String::new(),
        title: String::new(),
        villages: vec![],
    };
    server.write(|tx| tx.put_cadre(&other, Some(&hash)));
    let hexi = OfficeClient::login(&server.url, "hexi").await;
    let (status, _, _) = hexi.get_bytes(&format!("/office/photos/{id}/thumb")).await;
    assert_eq!(status.as_u16(), 404);
    let (_, kind, _) =
        OfficeClient::anonymous(&server.url).get_bytes(&format!("/office/photos/{id}")).await;
    assert_ne!(kind, "image/jpeg", "not without logging in");

    // Only the cadre who took a photo sends its bytes.
    let zhao = ApiPhone::login(&server.url, "zhao").await;
    let answer = HttpTransport::default().photo_status(&server.url, &zhao.token, &roof.id).await;
    assert!(
        matches!(&answer, Err(TransportError::Server { status: 409, body }) if body.error == "photo_unreferenced"),
        "{answer:?}"
    );
    let wrong = HttpTransport::default()
        .upload_photo(&server.url, &zhao.token, &roof.id, 0, 10, vec![0xFF; 10])
        .await;
    assert!(matches!(&wrong, Err(TransportError::Server { status: 409, .. })), "{wrong:?}");
}

#[tokio::test]
async fn the_server_refuses_bad_uploads_with_a_reason() {
    let server = TestServer::start().await;
    let county = server.county();
    let home = wang_household(&server, &county, "周玉梅").await;
    let mut wang = ApiPhone::login(&server.url, "wang").await;
    let photo = minqing_mobile::photo::take(&camera_picture(5)).unwrap();
    let (_, mut op) = wang.visit(home, "带照片的走访");
    if let Payload::Visit(v) = &mut op.payload {
        v.photos = vec![photo.id.clone()];
    }
    assert!(wang.push(&[op]).await.ok().rejected.is_empty());
    let http = HttpTransport::default();
    let (url, token, id) = (&server.url, &wang.token, &photo.id);
    let code = |r: Result<_, TransportError>| match r {
        Err(TransportError::Server { status, body }) => (status, body.error),
        other => panic!("{other:?}"),
    };
    // Larger than 2 MB: refused before a byte is read.
    assert_eq!(
        code(http.upload_photo(url, token, id, 0, 3 * 1024 * 1024, vec![]).await),
        (413, "photo_too_large".into())
    );
    // Not where the server's copy stops.
    assert_eq!(
        code(http.upload_photo(url, token, id, 100, photo.jpeg.len() as u64, vec![0; 10]).await),
        (409, "upload_offset".into())
    );
    // More bytes than announced.
    assert_eq!(
        code(http.upload_photo(url, token, id, 0, 10, photo.jpeg[..20].to_vec()).await),
        (400, "upload_too_long".into())
    );
    // Not a photo's name at all.
    let raw =
        http.photo_status(url, token, &PhotoId::of(b"x")).await.expect_err("no record names it");
    assert!(matches!(raw, TransportError::Server { status: 409, .. }));
    let resp = reqwest::Client::new()
        .get(format!("{url}/api/v1/photos/..%2F..%2Fetc%2Fpasswd"))
        .bearer_auth(token)
        .header(minqing_shared::sync::PROTOCOL_HEADER, minqing_shared::sync::PROTOCOL_VERSION)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    // A cut task that finishes late never replaces a longer part, nor revives a stored photo's
    // upload.
    let part = |n: usize| minqing_server::store::PartialUpload {
        length: photo.jpeg.len() as u64,
        received: photo.jpeg[..n].to_vec(),
    };
    let (longer, shorter) = (part(3000), part(1000));
    server.write(|tx| tx.save_photo_upload(id, &longer, 1));
    server.write(|tx| tx.save_photo_upload(id, &shorter, 2));
    assert_eq!(http.photo_status(url, token, id).await.unwrap().received, 3000);
    server.write(|tx| tx.drop_photo_upload(id));
    // Sent in two parts of the phone's choosing, it is stored once whole.
    let half = photo.jpeg.len() / 2;
    let len = photo.jpeg.len() as u64;
    let first =
        http.upload_photo(url, token, id, 0, len, photo.jpeg[..half].to_vec()).await.unwrap();
    assert_eq!((first.received, first.complete), (half as u64, false));
    assert_eq!(http.photo_status(url, token, id).await.unwrap().received, half as u64);
    let second = http
        .upload_photo(url, token, id, half as u64, len, photo.jpeg[half..].to_vec())
        .await
        .unwrap();
    assert!(second.complete);
    assert_eq!(stored(&server, id, false).as_deref(), Some(&photo.jpeg[..]));
    assert!(http.photo_status(url, token, id).await.unwrap().complete);
    server.write(|tx| tx.save_photo_upload(id, &longer, 3));
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM photo_uploads", &[]), 0);
}

#[tokio::test]
async fn a_photo_the_server_refuses_is_shown_refused_and_holds_nothing_back() {
    let server = TestServer::start().await;
    let county = server.county();
    let home = wang_household(&server, &county, "孙桂兰").await;
    let dir = tempfile::tempdir().unwrap();
    let phone: SyncEngine<FaultyTransport> =
        app_phone(&server.url, "wang", dir.path(), minqing_tests::clock::shared()).await;
    let good = minqing_mobile::photo::take(&camera_picture(4)).unwrap();
    // What a phone with a broken camera library, or a tampered store, could hold.
    let png = {
        let mut out = Vec::new();
        ImageBuffer::from_pixel(8, 8, Rgb([1u8, 2, 3]))
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let not_jpeg = TakenPhoto { id: PhotoId::of(&png), jpeg: png, thumb: good.thumb.clone() };
    let mut huge = vec![0xFF, 0xD8, 0xFF, 0xE0];
    huge.resize(2 * 1024 * 1024 + 1, 7);
    let too_large = TakenPhoto { id: PhotoId::of(&huge), jpeg: huge, thumb: good.thumb.clone() };
    let mut damaged = good.jpeg.clone();
    damaged[5000] ^= 0x55;
    let mismatch =
        TakenPhoto { id: PhotoId::of(b"another photo"), jpeg: damaged, thumb: good.thumb.clone() };
    let visit_id = phone
        .store()
        .record_visit(
            &visit(
                home,
                vec![not_jpeg.clone(), too_large.clone(), mismatch.clone()],
                vec![good.clone()],
            ),
            minqing_tests::clock::now(),
        )
        .unwrap();

    let report = phone.sync_once().await.unwrap();
    assert_eq!((report.photos_sent, report.photos_refused), (1, 3));
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM visits", &[]), 1);
    assert_eq!(server.sql().count("SELECT COUNT(*) FROM photos", &[]), 1, "only the good photo");
    assert_eq!(
        server.sql().count("SELECT COUNT(*) FROM photo_uploads", &[]),
        0,
        "nothing half-kept"
    );
    let named = phone.store().visit(visit_id).unwrap().unwrap().photos;
    let states: Vec<PhotoState> =
        phone.store().photos_of(visit_id.0, &named).unwrap().iter().map(|p| p.state).collect();
    assert_eq!(
        states,
        vec![
            PhotoState::Refused(PhotoRefusal::NotJpeg),
            PhotoState::Refused(PhotoRefusal::TooLarge),
            PhotoState::Refused(PhotoRefusal::HashMismatch),
        ]
    );
    let info = phone.store().sync_info().unwrap();
    assert_eq!(info.photos_waiting, 0);
    assert_eq!(info.photos_refused.len(), 3);
    assert!(info.rejected.is_empty(), "no record was refused");
    let sent_before = phone.transport().photo_offsets.lock().unwrap().len();
    phone.sync_once().await.unwrap();
    assert_eq!(
        phone.transport().photo_offsets.lock().unwrap().len(),
        sent_before,
        "refused photos are not sent again"
    );

    // A visit voided before it was sent takes its photo with it: nothing is sent, nothing waits.
    let extra = minqing_mobile::photo::take(&camera_picture(6)).unwrap();
    let voided = phone
        .store()
        .record_visit(&visit(home, vec![extra.clone()], vec![]), minqing_tests::clock::now())
        .unwrap();
    let cadre = phone.store().account().unwrap().unwrap().cadre_id;
    let mut void = minqing_shared::sync::op::AmendmentBody::new(voided, cadre, "走错户了");
    void.void = true;
    phone.store().amend_visit(void, minqing_tests::clock::now()).unwrap();
    let report = phone.sync_once().await.unwrap();
    assert_eq!((report.photos_sent, report.photos_refused), (0, 0));
    assert_eq!(phone.transport().photo_offsets.lock().unwrap().len(), sent_before);
    assert_eq!(phone.store().sync_info().unwrap().photos_waiting, 0);
    assert_eq!(phone.store().photo_jpeg(&extra.id).unwrap(), None);
}
