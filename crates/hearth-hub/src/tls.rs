//! HTTPS: the certificate the hub serves, from the user's own files or signed
//! by a local certificate authority the hub keeps in its data directory, so
//! that phones on the LAN get the secure context Web Bluetooth and service
//! workers require once they trust that authority.

use std::fs;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// Where the hub's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    /// PEM files: the certificate chain (leaf first) and its private key.
    Files { cert: PathBuf, key: PathBuf },
    /// A local authority kept in `<data dir>/tls` (made on first use, reused
    /// after), signing a fresh certificate at every start for the names and
    /// addresses this machine has then.
    SelfSigned,
}

/// Why HTTPS could not be set up; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: String },
    #[error("cannot write {path}: {why}")]
    Write { path: PathBuf, why: String },
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("the certificate in {cert} and the key in {key} do not make a TLS server: {why}")]
    Config {
        cert: PathBuf,
        key: PathBuf,
        why: rustls::Error,
    },
}

/// How long the local authority is valid. Phones accept long-lived roots the
/// user installed themselves; only the certificates it signs must be short.
const CA_DAYS: i64 = 3650;

/// Under Apple's 398-day cap for server certificates; the hub signs a new one
/// at every start anyway.
const LEAF_DAYS: i64 = 397;

/// The authority's name. It is rebuilt from these fixed parameters and the
/// stored key at every start rather than parsed back from its file, so it
/// must never depend on anything that changes (such as the hostname).
const CA_NAME: &str = "Hearth hub local CA";

/// A TLS server ready to accept, and what a user needs to verify it.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub(crate) config: Arc<ServerConfig>,
    /// SHA-256 of the certificate a user should trust (the local authority's,
    /// or the leaf of the user's own files), as colon-separated hex.
    pub(crate) fingerprint: String,
    /// The file to install on a phone, for the self-signed mode.
    pub(crate) authority: Option<PathBuf>,
}

impl Tls {
    /// Reads or makes the certificate. `listen` joins the names the
    /// certificate covers when it is a specific address.
    pub(crate) fn load(&self, data_dir: &Path, listen: Option<IpAddr>) -> Result<Loaded, TlsError> {
        let (chain, key, authority, cert_path, key_path) = match self {
            Tls::Files { cert, key } => {
                let chain = read_chain(cert)?;
                let private = PrivateKeyDer::from_pem_file(key).map_err(|why| TlsError::Read {
                    path: key.clone(),
                    why: pem_problem(&why, "a private key"),
                })?;
                (chain, private, None, cert.clone(), key.clone())
            }
            Tls::SelfSigned => {
                let dir = data_dir.join("tls");
                let (chain, private) = self_signed(&dir, listen)?;
                let authority = dir.join("hearth-ca.pem");
                (
                    chain,
                    private,
                    Some(authority),
                    dir.join("hearth-ca.pem"),
                    dir.join("hearth-ca-key.pem"),
                )
            }
        };
        // The user trusts the authority in self-signed mode, the leaf otherwise.
        let trusted = if authority.is_some() {
            chain.last()
        } else {
            chain.first()
        };
        let fingerprint = trusted.map(|cert| fingerprint(cert)).unwrap_or_default();
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
                .map_err(|why| TlsError::Config {
                    cert: cert_path,
                    key: key_path,
                    why,
                })?;
        let mut config = config;
        // HTTP/1.1 only: the hub serves WebSockets, which ride on HTTP/1.1 upgrades.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Loaded {
            config: Arc::new(config),
            fingerprint,
            authority,
        })
    }
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let problem = |why: String| TlsError::Read {
        path: path.to_owned(),
        why,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|why| problem(pem_problem(&why, "a certificate")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|why| problem(pem_problem(&why, "a certificate")))?;
    if chain.is_empty() {
        return Err(problem("it holds no PEM certificate".into()));
    }
    Ok(chain)
}

fn pem_problem(error: &rustls::pki_types::pem::Error, what: &str) -> String {
    match error {
        rustls::pki_types::pem::Error::Io(io) => io.to_string(),
        rustls::pki_types::pem::Error::NoItemsFound => format!("it holds no PEM {what}"),
        other => format!("it is not valid PEM ({other:?})"),
    }
}

/// SHA-256 of a DER certificate as `AB:CD:…`, the form browsers and
/// `openssl x509 -fingerprint -sha256` show.
pub(crate) fn fingerprint(cert: &[u8]) -> String {
    let digest = Sha256::digest(cert);
    let hex: Vec<String> = digest.iter().map(|byte| format!("{byte:02X}")).collect();
    hex.join(":")
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_NAME);
    name.push(DnType::OrganizationName, "Hearth");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params
}

/// The authority's certificate and key from `dir`, made there on first use;
/// then a leaf for this machine signed by it. Returns the chain (leaf, then
/// authority) and the leaf's key.
fn self_signed(
    dir: &Path,
    listen: Option<IpAddr>,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let ca_cert_path = dir.join("hearth-ca.pem");
    let ca_key_path = dir.join("hearth-ca-key.pem");
    let today = Utc::now();
    let ca_key = if ca_cert_path.is_file() && ca_key_path.is_file() {
        let pem = fs::read_to_string(&ca_key_path).map_err(|why| TlsError::Read {
            path: ca_key_path.clone(),
            why: why.to_string(),
        })?;
        KeyPair::from_pem(&pem).map_err(|why| TlsError::Read {
            path: ca_key_path.clone(),
            why: why.to_string(),
        })?
    } else {
        let key = KeyPair::generate()?;
        let mut params = ca_params();
        valid_for(&mut params, today, CA_DAYS);
        let cert = params.self_signed(&key)?;
        write_private(dir, &ca_key_path, &key.serialize_pem())?;
        write_file(&ca_cert_path, &cert.pem())?;
        tracing::info!(path = %ca_cert_path.display(), "made a local certificate authority");
        key
    };
    let ca_der = read_chain(&ca_cert_path)?.remove(0);
    let issuer = Issuer::new(ca_params(), &ca_key);

    let mut names = vec!["localhost".to_owned()];
    if let Some(host) = hostname() {
        names.push(format!("{host}.local"));
        names.push(host);
    }
    let mut addresses: Vec<IpAddr> = vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()];
    addresses.extend(lan_addresses());
    addresses.extend(listen.filter(|ip| !ip.is_unspecified()));
    addresses.sort();
    addresses.dedup();
    names.extend(addresses.iter().map(IpAddr::to_string));
    names.dedup();
    let mut params = CertificateParams::new(names.clone())?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::CommonName, "Hearth hub");
    params.distinguished_name = subject;
    valid_for(&mut params, today, LEAF_DAYS);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate()?;
    let leaf = params.signed_by(&key, &issuer)?;
    tracing::info!(names = %names.join(", "), "signed this start's certificate");
    let private = PrivateKeyDer::try_from(key.serialize_der()).map_err(|why| TlsError::Read {
        path: ca_key_path,
        why: why.to_owned(),
    })?;
    Ok((vec![leaf.der().clone(), ca_der], private))
}

/// Validity in whole days from the day before `today`, so that a phone whose
/// clock is a little behind still accepts the certificate.
fn valid_for(params: &mut CertificateParams, today: DateTime<Utc>, days: i64) {
    let day = |at: DateTime<Utc>| {
        // Month and day always fit in a u8.
        rcgen::date_time_ymd(at.year(), at.month() as u8, at.day() as u8)
    };
    params.not_before = day(today - TimeDelta::days(1));
    params.not_after = day(today + TimeDelta::days(days));
}

fn write_file(path: &Path, text: &str) -> Result<(), TlsError> {
    fs::write(path, text).map_err(|why| TlsError::Write {
        path: path.to_owned(),
        why: why.to_string(),
    })
}

/// Writes a private key readable by its owner alone.
fn write_private(dir: &Path, path: &Path, text: &str) -> Result<(), TlsError> {
    let problem = |why: std::io::Error| TlsError::Write {
        path: path.to_owned(),
        why: why.to_string(),
    };
    fs::create_dir_all(dir).map_err(problem)?;
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(problem)?;
    file.write_all(text.as_bytes()).map_err(problem)
}

fn hostname() -> Option<String> {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| fs::read_to_string(path).ok())
        .map(|text| text.trim().to_owned())
        .filter(|name| !name.is_empty() && name != "localhost")
}

/// The addresses other machines reach this one at: the source address the
/// system would pick for each family's default route. Connecting a UDP
/// socket sends nothing; it only asks the routing table.
fn lan_addresses() -> Vec<IpAddr> {
    let probes: [(SocketAddr, SocketAddr); 2] = [
        (
            (Ipv4Addr::UNSPECIFIED, 0).into(),
            (Ipv4Addr::new(192, 0, 2, 1), 9).into(),
        ),
        (
            (Ipv6Addr::UNSPECIFIED, 0).into(),
            (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 9).into(),
        ),
    ];
    probes
        .iter()
        .filter_map(|(bind, target)| {
            let socket = UdpSocket::bind(bind).ok()?;
            socket.connect(target).ok()?;
            socket.local_addr().ok().map(|addr| addr.ip())
        })
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .collect()
}
