//! Which text format a scraper asked for, from its Accept header: OpenMetrics when it prefers
//! `application/openmetrics-text` (Prometheus 2.x asks for it first), else Prometheus' text
//! format, which every scraper reads (also when the header asks for nothing we have: a text
//! answer is more use to a person with curl than a 406).

use uringtop_common::exposition::TextFormat;

pub fn format_for(accept: Option<&str>) -> TextFormat {
    let Some(accept) = accept else {
        return TextFormat::Prometheus;
    };
    let mut best: Option<(f32, TextFormat)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default().to_ascii_lowercase();
        let mut q = 1.0f32;
        let mut version = None;
        for param in parts {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => q = v.trim().parse().unwrap_or(0.0),
                "version" => version = Some(v.trim().trim_matches('"').to_string()),
                _ => {}
            }
        }
        let format = match media.as_str() {
            // We write OpenMetrics 1.0.0; 0.0.1 is the same text, but say only what we write.
            "application/openmetrics-text" if version.as_deref().is_none_or(|v| v == "1.0.0") => {
                TextFormat::OpenMetrics
            }
            "text/plain" | "text/*" | "*/*" => TextFormat::Prometheus,
            _ => continue,
        };
        if q <= 0.0 {
            continue;
        }
        // Ties go to the first listed.
        if best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, format));
        }
    }
    best.map_or(TextFormat::Prometheus, |(_, f)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_2_gets_openmetrics() {
        let accept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;\
                      version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert_eq!(format_for(Some(accept)), TextFormat::OpenMetrics);
    }

    #[test]
    fn everything_else_gets_text() {
        assert_eq!(format_for(None), TextFormat::Prometheus);
        assert_eq!(format_for(Some("*/*")), TextFormat::Prometheus);
        assert_eq!(
            format_for(Some("text/plain;version=0.0.4")),
            TextFormat::Prometheus
        );
        assert_eq!(format_for(Some("application/json")), TextFormat::Prometheus);
        assert_eq!(
            format_for(Some("application/openmetrics-text;version=0.0.1")),
            TextFormat::Prometheus
        );
        assert_eq!(
            format_for(Some("application/openmetrics-text;q=0.2, text/plain")),
            TextFormat::Prometheus
        );
        assert_eq!(
            format_for(Some("text/plain;q=0, application/openmetrics-text;q=0.1")),
            TextFormat::OpenMetrics
        );
    }
}
