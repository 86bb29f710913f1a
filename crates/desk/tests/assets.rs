//! D5, C4: the co-browsing replay's images come through the desk's fetcher, from the site
//! origins only, images and fonts only, bounded, remembered. Two real HTTP servers on loopback:
//! the brand's site and a stranger's host that must never be asked anything.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pupitre_desk::assets::{Assets, MAX_ASSET_BYTES, Refusal};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// A small HTTP/1.1 server answering by path; returns its origin and the hits per path.
async fn server(other: Option<String>) -> (String, Hits) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let hits: Hits = Arc::default();
    let counted = hits.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let hits = counted.clone();
            let other = other.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                assert!(
                    !head.to_ascii_lowercase().contains("\ncookie:")
                        && !head.to_ascii_lowercase().contains("\nreferer:"),
                    "the request says nothing about the agent: {head}"
                );
                *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                let png = b"\x89PNG\r\n\x1a\nfake".to_vec();
                let (status, headers, body): (&str, String, Vec<u8>) = match path.as_str() {
                    "/logo.png" => ("200 OK", "Content-Type: image/png\r\n".into(), png),
                    "/font.woff2" => (
                        "200 OK",
                        "Content-Type: font/woff2\r\n".into(),
                        b"wOF2".to_vec(),
                    ),
                    "/page.html" => (
                        "200 OK",
                        "Content-Type: text/html\r\n".into(),
                        b"<script>1</script>".to_vec(),
                    ),
                    "/untyped" => ("200 OK", String::new(), png),
                    "/big.png" => (
                        "200 OK",
                        "Content-Type: image/png\r\n".into(),
                        vec![0; MAX_ASSET_BYTES + 1],
                    ),
                    "/hop" => ("302 Found", "Location: /logo.png\r\n".into(), vec![]),
                    "/away" => (
                        "302 Found",
                        format!(
                            "Location: {}/logo.png\r\n",
                            other.clone().unwrap_or_default()
                        ),
                        vec![],
                    ),
                    "/loop" => ("302 Found", "Location: /loop\r\n".into(), vec![]),
                    _ => ("404 Not Found", String::new(), vec![]),
                };
                // `/big.png` hides its length: the fetcher must stop reading by itself.
                let length = if path == "/big.png" {
                    String::new()
                } else {
                    format!("Content-Length: {}\r\n", body.len())
                };
                let answer =
                    format!("HTTP/1.1 {status}\r\n{headers}{length}Connection: close\r\n\r\n");
                let _ = socket.write_all(answer.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (origin, hits)
}

fn path_of(url: &str) -> String {
    format!(
        "/{}",
        percent_encoding::utf8_percent_encode(url, percent_encoding::NON_ALPHANUMERIC)
    )
}

#[tokio::test]
async fn the_replay_gets_the_sites_images_and_fonts_and_nothing_else() {
    let (stranger, stranger_hits) = server(None).await;
    let (site, hits) = server(Some(stranger.clone())).await;
    let origins = vec![format!("{site}/")];
    let assets = Assets::new().unwrap();
    let get = |p: &str| {
        let path = path_of(&format!("{site}{p}"));
        let (assets, origins) = (&assets, &origins);
        async move { assets.get(&path, origins).await }
    };

    let logo = get("/logo.png").await.unwrap();
    assert_eq!(logo.content_type, "image/png");
    assert!(logo.bytes.starts_with(b"\x89PNG"));
    assert_eq!(get("/font.woff2").await.unwrap().content_type, "font/woff2");
    // Remembered: the replay rebuilt on a full snapshot asks again, the site is not asked.
    get("/logo.png").await.unwrap();
    assert_eq!(hits.lock().unwrap()["/logo.png"], 1);

    assert_eq!(
        get("/page.html").await,
        Err(Refusal::WrongType("text/html".into()))
    );
    assert_eq!(
        get("/untyped").await,
        Err(Refusal::WrongType(String::new()))
    );
    assert_eq!(get("/big.png").await, Err(Refusal::TooLarge));
    assert_eq!(get("/missing.png").await, Err(Refusal::Status(404)));
    get("/missing.png").await.unwrap_err();
    assert_eq!(
        hits.lock().unwrap()["/missing.png"],
        1,
        "a refusal is remembered"
    );
    // Redirects: within the site, followed; elsewhere or forever, refused.
    assert_eq!(get("/hop").await.unwrap().content_type, "image/png");
    assert_eq!(get("/away").await, Err(Refusal::NotOnSite));
    assert_eq!(get("/loop").await, Err(Refusal::NotOnSite));
    assert_eq!(
        hits.lock().unwrap()["/loop"],
        4,
        "the first request and three redirects"
    );

    // Another host, named directly, or with the site in its path or query: never asked.
    for url in [
        format!("{stranger}/logo.png"),
        format!("{stranger}/?{site}/logo.png"),
        format!("{stranger}/{site}/logo.png"),
    ] {
        assert_eq!(
            assets.get(&path_of(&url), &origins).await,
            Err(Refusal::NotOnSite),
            "{url}"
        );
    }
    // Not an http(s) URL, or not encoded as one: refused before anything.
    for path in [
        "/javascript%3Aalert(1)",
        "/file%3A%2F%2F%2Fetc%2Fpasswd",
        "/logo.png",
        "/",
    ] {
        assert_eq!(
            assets.get(path, &origins).await,
            Err(Refusal::BadRequest),
            "{path}"
        );
    }
    // Logged out (no origins): nothing.
    assert_eq!(
        assets
            .get(&path_of(&format!("{site}/font.woff2")), &[])
            .await,
        Err(Refusal::NotOnSite)
    );
    assert!(
        stranger_hits.lock().unwrap().is_empty(),
        "the stranger's host was never asked"
    );
}
