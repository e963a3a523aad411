//! TLS to the broker (`mqtts://`): rustls with the ring provider, trusting
//! either a CA file of the user's or the system's roots, optionally showing a
//! client certificate. Files are read when the hub starts, so a wrong path or
//! a file without a certificate stops it there with a message naming the file.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rumqttc::{ConnectionError, TlsError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

/// What to trust and what to show when talking TLS to the broker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MqttTls {
    /// PEM certificates of the CA(s) that signed the broker's certificate;
    /// without it the system's roots are trusted.
    pub ca: Option<PathBuf>,
    /// A PEM client certificate (chain) and its private key, for brokers that
    /// require clients to present one (mutual TLS).
    pub client: Option<(PathBuf, PathBuf)>,
}

impl MqttTls {
    /// Builds the rustls configuration, or says which file is wrong and why.
    pub(crate) fn client_config(&self) -> Result<Arc<ClientConfig>, String> {
        let mut roots = RootCertStore::empty();
        match &self.ca {
            Some(path) => {
                for cert in certificates(path)? {
                    roots.add(cert).map_err(|e| {
                        format!("{}: not a usable CA certificate: {e}", path.display())
                    })?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                for error in &found.errors {
                    tracing::warn!(%error, "cannot read some of the system's CA certificates");
                }
                let (_, unusable) = roots.add_parsable_certificates(found.certs);
                if unusable > 0 {
                    tracing::debug!(unusable, "system CA certificates skipped");
                }
                if roots.is_empty() {
                    return Err(
                        "no system CA certificates found; give the broker's CA with --mqtt-ca"
                            .into(),
                    );
                }
            }
        }
        let builder =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS set-up: {e}"))?
                .with_root_certificates(roots);
        let config = match &self.client {
            Some((cert, key)) => {
                let chain = certificates(cert)?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| format!("{}: no private key read: {e}", key.display()))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("{}: unusable client certificate: {e}", cert.display()))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

/// Every certificate in a PEM file; a file without one is an error.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: cannot read certificates: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}

/// Why a connection failed, in words that point at the fix when it is the
/// broker's certificate that was refused.
pub(crate) fn explain(error: &ConnectionError) -> String {
    let io = match error {
        ConnectionError::Tls(TlsError::TLS(rustls)) => return certificate_hint(rustls, error),
        ConnectionError::Tls(TlsError::Io(io)) | ConnectionError::Io(io) => io,
        _ => return error.to_string(),
    };
    match io
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls) => certificate_hint(rustls, error),
        None => error.to_string(),
    }
}

fn certificate_hint(rustls: &rustls::Error, error: &ConnectionError) -> String {
    match rustls {
        rustls::Error::InvalidCertificate(why) => format!(
            "the broker's TLS certificate is not trusted ({why:?}); \
             give the CA that signed it with --mqtt-ca, and connect by a name it was issued for"
        ),
        rustls::Error::AlertReceived(alert) => format!(
            "the broker refused the TLS handshake ({alert:?}); \
             if it requires a client certificate, give one with --mqtt-client-cert and --mqtt-client-key"
        ),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use rustls::{AlertDescription, CertificateError};

    use super::*;

    #[test]
    fn refused_certificates_are_explained_with_the_fix() {
        let wrapped = |e: rustls::Error| {
            ConnectionError::Tls(TlsError::Io(io::Error::new(io::ErrorKind::InvalidData, e)))
        };
        let table = [
            (
                wrapped(rustls::Error::InvalidCertificate(
                    CertificateError::UnknownIssuer,
                )),
                "not trusted (UnknownIssuer); give the CA that signed it with --mqtt-ca",
            ),
            (
                wrapped(rustls::Error::AlertReceived(
                    AlertDescription::CertificateRequired,
                )),
                "--mqtt-client-cert",
            ),
            (
                ConnectionError::Io(io::Error::from(io::ErrorKind::ConnectionRefused)),
                "I/O: connection refused",
            ),
        ];
        for (error, want) in table {
            let got = explain(&error);
            assert!(got.contains(want), "{error:?}: {got}");
        }
    }

    #[test]
    fn missing_or_empty_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let missing = dir.path().join("missing.pem");
        let table = [
            (
                MqttTls {
                    ca: Some(missing.clone()),
                    client: None,
                },
                "missing.pem: cannot read certificates",
            ),
            (
                MqttTls {
                    ca: Some(empty.clone()),
                    client: None,
                },
                "empty.pem: no PEM certificate in it",
            ),
        ];
        for (tls, want) in table {
            let got = tls.client_config().map(|_| ()).unwrap_err();
            assert!(got.contains(want), "{tls:?}: {got}");
        }
    }
}
