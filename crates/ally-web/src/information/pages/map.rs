//! The map of reports with coordinates.

use ally_store::ReportSummary;
use askama::Template;
use uuid::Uuid;

use crate::ctx::Viewer;
use crate::layout::{Layout, PageResult, html, layout};

pub struct MapPoint {
    id: Uuid,
    x: i64,
    y: i64,
    label: String,
}

#[derive(Template)]
#[template(path = "information_map.html")]
pub(crate) struct MapPage {
    l: Layout,
    points: Vec<MapPoint>,
    without: usize,
}

/// A map without tiles: the reports' coordinates plotted in their bounding box (equirectangular),
/// each point a link to its report.
pub(crate) async fn report_map(v: Viewer) -> PageResult {
    let list = v.access().reports().list_reports().await?;
    let located: Vec<(&ReportSummary, f64, f64)> = list
        .iter()
        .filter_map(|r| Some((r, r.latitude?, r.longitude?)))
        .collect();
    let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
        (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (_, la, lo) in &located {
        min_lat = min_lat.min(*la);
        max_lat = max_lat.max(*la);
        min_lon = min_lon.min(*lo);
        max_lon = max_lon.max(*lo);
    }
    let span_lat = (max_lat - min_lat).max(0.01);
    let span_lon = (max_lon - min_lon).max(0.01);
    let points = located
        .iter()
        .map(|(r, la, lo)| MapPoint {
            id: r.id,
            x: (20.0 + 280.0 * (lo - min_lon) / span_lon).round() as i64,
            y: (20.0 + 200.0 * (max_lat - la) / span_lat).round() as i64,
            label: if r.place.is_empty() {
                format!("{la:.3}, {lo:.3}")
            } else {
                r.place.chars().take(40).collect()
            },
        })
        .collect();
    html(&MapPage {
        l: layout(&v.ctx, v.ctx.tr.t("info-map-title"), "/reports"),
        without: list.len() - located.len(),
        points,
    })
}
