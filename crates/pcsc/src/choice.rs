//! Which reader `--reader pcsc[:NAME]` means.

use inkan_apdu::TransportError;

/// How a reader is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderChoice {
    /// The first reader (in the service's order) holding a My Number Card.
    FirstMyNumberCard,
    /// Readers whose name contains this text (ASCII case-insensitive). When several
    /// match, the first of them holding a My Number Card.
    Name(String),
    /// The reader at this position in [`list_readers`](crate::list_readers) (from 0).
    Index(usize),
}

impl ReaderChoice {
    /// Parses the part after `pcsc:`: empty for [`FirstMyNumberCard`](Self::FirstMyNumberCard),
    /// `#N` for [`Index`](Self::Index), anything else a [`Name`](Self::Name) substring.
    pub fn parse(spec: &str) -> ReaderChoice {
        if spec.is_empty() {
            return ReaderChoice::FirstMyNumberCard;
        }
        if let Some(n) = spec.strip_prefix('#')
            && let Ok(i) = n.parse::<usize>()
        {
            return ReaderChoice::Index(i);
        }
        ReaderChoice::Name(spec.to_owned())
    }

    /// Whether this choice must land on a reader holding a My Number Card (rather than
    /// naming exactly one reader, whatever is in it).
    fn needs_my_number_card(&self, matches: usize) -> bool {
        match self {
            ReaderChoice::FirstMyNumberCard => true,
            ReaderChoice::Name(_) => matches > 1,
            ReaderChoice::Index(_) => false,
        }
    }
}

/// The positions in `names` that `choice` allows, in order, and whether the chosen one
/// must hold a My Number Card. Fails with [`TransportError::NoReader`] when none matches.
pub fn candidates(
    names: &[String],
    choice: &ReaderChoice,
) -> Result<(Vec<usize>, bool), TransportError> {
    if names.is_empty() {
        return Err(TransportError::NoReader(
            "the PC/SC service lists no reader".to_owned(),
        ));
    }
    let found: Vec<usize> = match choice {
        ReaderChoice::FirstMyNumberCard => (0..names.len()).collect(),
        ReaderChoice::Name(part) => {
            let part = part.to_ascii_lowercase();
            names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.to_ascii_lowercase().contains(&part))
                .map(|(i, _)| i)
                .collect()
        }
        ReaderChoice::Index(i) => {
            if *i < names.len() {
                vec![*i]
            } else {
                Vec::new()
            }
        }
    };
    if found.is_empty() {
        let what = match choice {
            ReaderChoice::Name(part) => format!("no reader name contains '{part}'"),
            ReaderChoice::Index(i) => format!("no reader #{i}"),
            ReaderChoice::FirstMyNumberCard => "no reader".to_owned(),
        };
        return Err(TransportError::NoReader(format!(
            "{what}; readers: {}",
            names
                .iter()
                .enumerate()
                .map(|(i, n)| format!("#{i} '{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let needs = choice.needs_my_number_card(found.len());
    Ok((found, needs))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names() -> Vec<String> {
        vec![
            "Virtual PCD 00 00".to_owned(),
            "Virtual PCD 00 01".to_owned(),
            "SCM Microsystems Inc. SCR 3310 [CCID Interface] (53311940) 01 00".to_owned(),
        ]
    }

    #[test]
    fn parse() {
        assert_eq!(ReaderChoice::parse(""), ReaderChoice::FirstMyNumberCard);
        assert_eq!(ReaderChoice::parse("#2"), ReaderChoice::Index(2));
        assert_eq!(
            ReaderChoice::parse("#x"),
            ReaderChoice::Name("#x".to_owned())
        );
        assert_eq!(
            ReaderChoice::parse("SCR 3310"),
            ReaderChoice::Name("SCR 3310".to_owned())
        );
    }

    #[test]
    fn choices() {
        let n = names();
        assert_eq!(
            candidates(&n, &ReaderChoice::FirstMyNumberCard).unwrap(),
            (vec![0, 1, 2], true)
        );
        assert_eq!(
            candidates(&n, &ReaderChoice::Name("scr".into())).unwrap(),
            (vec![2], false)
        );
        assert_eq!(
            candidates(&n, &ReaderChoice::Name("virtual pcd".into())).unwrap(),
            (vec![0, 1], true)
        );
        assert_eq!(
            candidates(&n, &ReaderChoice::Index(1)).unwrap(),
            (vec![1], false)
        );
        let e = candidates(&n, &ReaderChoice::Index(3)).unwrap_err();
        assert!(matches!(e, TransportError::NoReader(m) if m.contains("#2 'SCM")));
        assert!(matches!(
            candidates(&n, &ReaderChoice::Name("ACR".into())),
            Err(TransportError::NoReader(_))
        ));
        assert!(matches!(
            candidates(&[], &ReaderChoice::FirstMyNumberCard),
            Err(TransportError::NoReader(_))
        ));
    }
}
