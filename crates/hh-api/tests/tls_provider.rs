//! A library must not pick the TLS provider of its host program: building a client, and
//! making an https request with it, leaves the process-wide rustls provider unset. A test
//! binary of its own, so no other test can have installed one first.

use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

use hh_api::{Client, Error, RetryPolicy};

const UA: &str = "HhApiTests/1.0 (tests@example.com)";

#[tokio::test]
async fn the_client_brings_its_own_tls_provider_and_installs_none() {
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "nothing in this test binary installs a provider before the client is built"
    );
    // A loopback listener that reads the first bytes the client sends and hangs up: the
    // request fails, but only after the client started a TLS handshake with its own
    // provider (reqwest built without one would have panicked looking for the process's).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut header = [0u8; 3];
        socket.read_exact(&mut header).unwrap();
        header
    });
    let hh = Client::builder()
        .base_url(format!("https://127.0.0.1:{port}"))
        .user_agent(UA)
        .token("not-a-real-token")
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy::none())
        .build()
        .expect("the client builds without a process provider");
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "building the client installed a process-wide provider"
    );

    let answer = hh.me().await;
    assert!(
        matches!(answer, Err(Error::Transport { .. })),
        "a listener that hangs up is a transport error: {answer:?}"
    );
    // A TLS handshake record (0x16), protocol version 3.x.
    let header = first_bytes.join().unwrap();
    assert_eq!(header[..2], [0x16, 0x03], "{header:?}");
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "an https request installed a process-wide provider"
    );
}
