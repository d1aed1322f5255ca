//! What to tell a person whose reader the browser or the operating system keeps from the
//! page (FACTS §6).

/// The operating system, as far as the page can tell from the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// Linux (not Android, not ChromeOS).
    Linux,
    /// Windows.
    Windows,
    /// macOS.
    MacOs,
    /// ChromeOS.
    ChromeOs,
    /// Android.
    Android,
    /// Anything else.
    Unknown,
}

impl Os {
    /// Guesses the system from a `navigator.userAgent` string.
    pub fn from_user_agent(ua: &str) -> Os {
        if ua.contains("CrOS") {
            Os::ChromeOs
        } else if ua.contains("Android") {
            Os::Android
        } else if ua.contains("Windows") {
            Os::Windows
        } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
            Os::MacOs
        } else if ua.contains("Linux") || ua.contains("X11") {
            Os::Linux
        } else {
            Os::Unknown
        }
    }

    /// A stable name (`linux`, `windows`, `macos`, `chromeos`, `android`, `unknown`).
    pub fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Windows => "windows",
            Os::MacOs => "macos",
            Os::ChromeOs => "chromeos",
            Os::Android => "android",
            Os::Unknown => "unknown",
        }
    }
}

/// The udev rules shipped with inkan (`packaging/udev/60-inkan.rules`).
pub const UDEV_RULES: &str = "60-inkan.rules";

/// The message for `reader-blocked-by-browser`.
pub fn blocked_by_browser(reader: &str) -> String {
    format!(
        "The browser does not let web pages use {reader}: it is a USB smart-card-class \
         (0x0B) reader, a class Chrome protects from web pages. What works instead: a reader \
         a page may use (NTT Communications SCR3310-NTTCom or SCR331-DI-NTTCom, or a Sony \
         PaSoRi RC-S380); this site installed as an Isolated Web App with the \
         usb-unrestricted permission (Chrome 128 or later) or with the Web Smart Card API; \
         an Electron app; or the inkan command-line tool, which uses the reader through \
         PC/SC."
    )
}

/// The message for `reader-claimed-by-os`.
pub fn claimed_by_os(reader: &str, os: Os) -> String {
    let advice = match os {
        Os::Linux => format!(
            "On Linux a kernel driver (port100 for the RC-S380) or the pcscd service \
             (for CCID readers) holds it. Install the udev rules {UDEV_RULES} shipped with \
             inkan (packaging/udev/) into /etc/udev/rules.d/, run \
             `sudo udevadm control --reload`, then unplug and re-plug the reader; or stop \
             pcscd while you sign (`sudo systemctl stop pcscd.socket pcscd`)."
        ),
        Os::Windows => "On Windows, WebUSB needs the WinUSB driver on the reader: install \
             it with a tool such as Zadig (it replaces the vendor driver, so other Windows \
             programs stop seeing the reader until the vendor driver is restored), then \
             re-plug the reader."
            .to_owned(),
        Os::MacOs => "On macOS another program or the system smart-card service holds it: \
             quit programs that use the reader, then re-plug it."
            .to_owned(),
        Os::ChromeOs | Os::Android => "Another app holds it: close apps that use the \
             reader, then re-plug it."
            .to_owned(),
        Os::Unknown => format!(
            "Another driver or program holds it. Linux: install the udev rules \
             {UDEV_RULES} (packaging/udev/) or stop pcscd. Windows: install the WinUSB \
             driver with a tool such as Zadig. Then re-plug the reader."
        ),
    };
    format!("The browser could not claim {reader}: the operating system is using it. {advice}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents() {
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
        assert_eq!(Os::from_user_agent(chrome_linux), Os::Linux);
        assert_eq!(
            Os::from_user_agent("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126"),
            Os::Windows
        );
        assert_eq!(
            Os::from_user_agent("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"),
            Os::MacOs
        );
        assert_eq!(
            Os::from_user_agent("Mozilla/5.0 (Linux; Android 14; Pixel 8)"),
            Os::Android
        );
        assert_eq!(
            Os::from_user_agent("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0)"),
            Os::ChromeOs
        );
    }

    #[test]
    fn messages_name_what_works() {
        let m = blocked_by_browser("ACS ACR39U");
        assert!(m.contains("SCR3310-NTTCom") && m.contains("RC-S380"));
        assert!(m.contains("Isolated Web App") && m.contains("PC/SC"));
        assert!(claimed_by_os("x", Os::Linux).contains(UDEV_RULES));
        assert!(claimed_by_os("x", Os::Windows).contains("WinUSB"));
    }
}
