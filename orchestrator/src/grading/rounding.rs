//! Points on the rubric's scale, in hundredths that add up: each criterion's share rounded so
//! that their sum is the exact total rounded, so a perfect run gets exactly the scale.

/// `values` rounded to hundredths so that they sum to their exact sum rounded (largest
/// remainders first, ties to the earlier value: the same inputs, the same split).
pub(super) fn hundredths(values: &[f64]) -> Vec<f64> {
    let scaled: Vec<f64> = values.iter().map(|v| v * 100.0).collect();
    let target = scaled.iter().sum::<f64>().round();
    let mut units: Vec<f64> = scaled.iter().map(|v| v.floor()).collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| scaled[i] - units[i];
        rem(b).total_cmp(&rem(a)).then(a.cmp(&b))
    });
    let missing = (target - units.iter().sum::<f64>()).max(0.0) as usize;
    for &i in order.iter().take(missing) {
        units[i] += 1.0;
    }
    units.into_iter().map(|u| u / 100.0).collect()
}

#[cfg(test)]
mod tests {
    use super::hundredths;

    #[test]
    fn shares_round_to_hundredths_that_add_up_to_the_rounded_sum() {
        // 20 shared out over 18.5 of weight: each rounded alone, they sum to 19.99.
        let per = 20.0 / 18.5;
        let exact = [
            10.0 * per,
            3.0 * per,
            2.0 * per,
            1.5 * per,
            1.0 * per,
            0.5 * per,
            0.5 * per,
        ];
        let alone: f64 = exact
            .iter()
            .map(|v: &f64| (v * 100.0).round() / 100.0)
            .sum();
        assert!((alone - 19.99).abs() < 1e-9, "{alone}");
        let split = hundredths(&exact);
        assert!((split.iter().sum::<f64>() - 20.0).abs() < 1e-9, "{split:?}");
        for (s, e) in split.iter().zip(exact) {
            assert!((s - e).abs() < 0.01, "{s} for {e}");
        }
        // Values already in hundredths stay as they are.
        assert_eq!(hundredths(&[1.25, 0.0, 3.5]), [1.25, 0.0, 3.5]);
        assert!(hundredths(&[]).is_empty());
    }
}
