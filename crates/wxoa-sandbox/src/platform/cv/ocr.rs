//! What the sandbox's OCR reads in an image (`/cv/ocr/*`): no recognition, but results in the
//! platform's shapes drawn from a digest of the image, so the same image always reads the
//! same, different images read differently, and numbers carry valid check digits (an ID
//! number's ISO 7064 digit, a bank card's Luhn digit). Boxes (`pos`) lie inside the image.
//! An image of one colour (every pixel the same) shows no certificate: the certificate
//! endpoints (all but `ocr/comm`) answer it 101001.

use serde_json::{Value, json};

use super::{Draw, Picture, pos};
use crate::error::ApiError;

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰"];
const PLACES: &[(&str, &str, &str)] = &[
    ("440305", "广东省深圳市南山区", "粤B"),
    ("440106", "广东省广州市天河区", "粤A"),
    ("110105", "北京市朝阳区", "京A"),
    ("310115", "上海市浦东新区", "沪A"),
    ("330106", "浙江省杭州市西湖区", "浙A"),
];
const STREETS: &[&str] = &["科技园路", "中山路", "人民路", "解放路", "建设路"];
const NATIONS: &[&str] = &["汉", "汉", "汉", "壮", "回", "满"];
const CAR_MODELS: &[&str] = &["大众汽车牌SVW7183", "丰田牌GTM7250", "比亚迪牌BYD7006"];
const COMPANY_WORDS: &[&str] = &["云帆", "星河", "远航", "明德", "启元"];
const BUSINESS: &[&str] = &["信息技术", "软件开发", "电子商务", "文化传播"];
const LINES: &[&str] = &[
    "欢迎关注公众号",
    "会员优惠活动",
    "营业时间 9:00-21:00",
    "订餐热线 400-800-0000",
    "扫码领取优惠券",
];

/// What `read` reads of the certificate in the image: 101001 for an image of one colour,
/// where no certificate can be (see the module's doc).
pub(crate) fn certificate(
    picture: &Picture,
    read: fn(&Picture) -> Value,
) -> Result<Value, ApiError> {
    use image::GenericImageView;
    let mut pixels = picture.image.pixels().map(|(_, _, pixel)| pixel);
    let first = pixels.next();
    if pixels.all(|pixel| Some(pixel) == first) {
        return Err(ApiError::msg(
            101001,
            "certificate not found: the image is of one colour",
        ));
    }
    Ok(read(picture))
}

/// `type` of `ocr/idcard`: `photo` (with a background, the default) or `scan`.
pub(crate) fn check_idcard_type(kind: Option<&str>) -> Result<(), ApiError> {
    match kind {
        None | Some("photo" | "scan") => Ok(()),
        Some(_) => Err(ApiError::argument("type")),
    }
}

fn name(draw: &mut Draw) -> String {
    let mut name = draw.pick(SURNAMES).to_owned();
    name.push_str(draw.pick(GIVEN));
    if draw.below(2) == 0 {
        name.push_str(draw.pick(GIVEN));
    }
    name
}

fn address(draw: &mut Draw, place: &str) -> String {
    format!("{place}{}{}号", draw.pick(STREETS), 1 + draw.below(300))
}

/// A date `YYYYMMDD` in `from..to` (years).
fn date(draw: &mut Draw, from: u64, to: u64) -> (u64, u64, u64) {
    (
        from + draw.below(to.saturating_sub(from).max(1)),
        1 + draw.below(12),
        1 + draw.below(28),
    )
}

/// The check character of an 18-character resident ID number (ISO 7064 MOD 11-2).
fn id_check(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECKS: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17
        .chars()
        .filter_map(|c| c.to_digit(10))
        .zip(WEIGHTS)
        .map(|(d, w)| d * w)
        .sum();
    CHECKS
        .get(usize::try_from(sum % 11).unwrap_or(0))
        .map_or('0', |&c| char::from(c))
}

/// The Luhn check digit of `digits`.
fn luhn_check(digits: &str) -> char {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| match i % 2 {
            0 => {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            }
            _ => d,
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10).unwrap_or('0')
}

/// A person: name, sex, birth date, home and ID number, all consistent.
struct Person {
    name: String,
    male: bool,
    birth: (u64, u64, u64),
    address: String,
    id: String,
    plate_prefix: &'static str,
}

fn person(draw: &mut Draw) -> Person {
    let index = usize::try_from(draw.below(PLACES.len() as u64)).unwrap_or(0);
    let (region, place, plate_prefix) =
        PLACES
            .get(index)
            .copied()
            .unwrap_or(("110105", "北京市朝阳区", "京A"));
    let birth = date(draw, 1960, 2005);
    let sequence = draw.below(1000);
    let first17 = format!(
        "{region}{:04}{:02}{:02}{sequence:03}",
        birth.0, birth.1, birth.2
    );
    let id = format!("{first17}{}", id_check(&first17));
    Person {
        name: name(draw),
        male: sequence % 2 == 1,
        birth,
        address: address(draw, place),
        id,
        plate_prefix,
    }
}

fn plate(draw: &mut Draw, prefix: &str) -> String {
    const LETTERS: &[&str] = &["A", "C", "D", "F", "K", "M", "Q", "X"];
    format!("{prefix}{}{}", draw.pick(LETTERS), draw.digits(4))
}

/// A box in the middle of the image covering about `share` of each side.
fn middle_box(picture: &Picture, draw: &mut Draw) -> Value {
    let (w, h) = (picture.image.width(), picture.image.height());
    let left = w / 10 + u32::try_from(draw.below(u64::from(w / 20 + 1))).unwrap_or(0);
    let top = h / 10 + u32::try_from(draw.below(u64::from(h / 20 + 1))).unwrap_or(0);
    pos(left, top, w.saturating_sub(left), h.saturating_sub(top))
}

/// `ocr/idcard`: the front (name, ID number, address, sex, nationality) or the back (validity)
/// of a resident identity card.
pub(crate) fn idcard(picture: &Picture) -> Value {
    let mut draw = picture.draw("idcard");
    if draw.below(4) == 0 {
        let (year, month, day) = date(&mut draw, 2010, 2024);
        return json!({"type": "Back",
            "valid_date": format!("{year:04}{month:02}{day:02}-{:04}{month:02}{day:02}", year + 20)});
    }
    let person = person(&mut draw);
    json!({
        "type": "Front",
        "name": person.name,
        "id": person.id,
        "addr": person.address,
        "gender": if person.male { "男" } else { "女" },
        "nationality": draw.pick(NATIONS),
    })
}

/// `ocr/bankcard`: the card number, as `number` and as `id` (the spec's sources show both).
pub(crate) fn bankcard(picture: &Picture) -> Value {
    let mut draw = picture.draw("bankcard");
    let first15 = format!("6222{}", draw.digits(11));
    let number = format!("{first15}{}", luhn_check(&first15));
    json!({"number": number, "id": number})
}

/// `ocr/driving`: a vehicle licence (行驶证).
pub(crate) fn driving(picture: &Picture) -> Value {
    let mut draw = picture.draw("driving");
    let owner = person(&mut draw);
    let plate = plate(&mut draw, owner.plate_prefix);
    let (year, month, day) = date(&mut draw, 2012, 2024);
    let registered = format!("{year:04}-{month:02}-{day:02}");
    let seats = 5 + 2 * draw.below(2);
    let total = 1500 + 100 * draw.below(10);
    json!({
        "plate_num": plate,
        "vehicle_type": "小型普通客车",
        "owner": owner.name,
        "addr": owner.address,
        "use_character": "非营运",
        "model": draw.pick(CAR_MODELS),
        "vin": format!("LSV{}", draw.digits(14)),
        "engine_num": draw.digits(8),
        "register_date": registered,
        "issue_date": registered,
        "plate_num_b": plate,
        "record": "以下空白",
        "passengers_num": format!("{seats}人"),
        "total_quality": format!("{total}kg"),
        "prepare_quality": format!("{}kg", total - 400),
        "overall_size": "4750x1800x1450mm",
        "card_position_front": {"pos": middle_box(picture, &mut draw)},
        "card_position_back": {"pos": middle_box(picture, &mut draw)},
        "img_size": picture.size_json(),
    })
}

/// `ocr/drivinglicense`: a driving licence (驾驶证).
pub(crate) fn driving_license(picture: &Picture) -> Value {
    let mut draw = picture.draw("drivinglicense");
    let driver = person(&mut draw);
    let (year, month, day) = date(&mut draw, 2008, 2020);
    let (by, bm, bd) = driver.birth;
    json!({
        "id_num": driver.id,
        "name": driver.name,
        "sex": if driver.male { "男" } else { "女" },
        "nationality": "中国",
        "address": driver.address,
        "birth_date": format!("{by:04}-{bm:02}-{bd:02}"),
        "issue_date": format!("{year:04}-{month:02}-{day:02}"),
        "car_class": draw.pick(&["C1", "C2", "B1", "A1"]),
        "valid_from": format!("{year:04}-{month:02}-{day:02}"),
        "valid_to": format!("{:04}-{month:02}-{day:02}", year + 10),
        "official_seal": "公安局交通警察支队",
    })
}

/// `ocr/bizlicense`: a business licence (营业执照).
pub(crate) fn bizlicense(picture: &Picture) -> Value {
    let mut draw = picture.draw("bizlicense");
    let owner = person(&mut draw);
    let (year, month, day) = date(&mut draw, 2005, 2024);
    let capital = 10 * (1 + draw.below(500));
    let name = format!(
        "{}{}{}有限公司",
        owner.address.get(..9).unwrap_or("深圳市"),
        draw.pick(COMPANY_WORDS),
        draw.pick(BUSINESS)
    );
    json!({
        "reg_num": format!("91{}", draw.digits(16)),
        "serial": draw.digits(12),
        "legal_representative": owner.name,
        "enterprise_name": name,
        "type_of_organization": "有限责任公司",
        "address": owner.address,
        "type_of_enterprise": "有限责任公司(自然人投资或控股)",
        "business_scope": format!("{}；{}。", draw.pick(BUSINESS), draw.pick(BUSINESS)),
        "registered_capital": format!("{capital}万元人民币"),
        "paid_in_capital": format!("{capital}万元人民币"),
        "valid_period": "长期",
        "registered_date": format!("{year:04}年{month:02}月{day:02}日"),
        "cert_position": {"pos": middle_box(picture, &mut draw)},
        "img_size": picture.size_json(),
    })
}

/// `ocr/comm`: lines of text, each with its box, top to bottom.
pub(crate) fn comm(picture: &Picture) -> Value {
    let mut draw = picture.draw("comm");
    let (w, h) = (picture.image.width(), picture.image.height());
    let lines = 1 + draw.below(4);
    let row = h / u32::try_from(lines + 1).unwrap_or(1).max(1);
    let items: Vec<Value> = (0..lines)
        .map(|i| {
            let top = row * u32::try_from(i).unwrap_or(0) + row / 2;
            let text = draw.pick(LINES);
            json!({"text": text, "pos": pos(w / 10, top, w - w / 10, top + row / 2)})
        })
        .collect();
    json!({"items": items, "img_size": picture.size_json()})
}

/// `ocr/platenum`: a licence plate number.
pub(crate) fn plate_number(picture: &Picture) -> Value {
    let mut draw = picture.draw("platenum");
    let index = usize::try_from(draw.below(PLACES.len() as u64)).unwrap_or(0);
    let prefix = PLACES.get(index).map_or("京A", |p| p.2);
    json!({"number": plate(&mut draw, prefix)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_are_the_standard_ones() {
        // The check character of the standard's worked example 11010519491231002.
        assert_eq!(id_check("11010519491231002"), 'X');
        // 7992739871 is the Luhn example; its check digit is 3.
        assert_eq!(luhn_check("7992739871"), '3');
    }
}
