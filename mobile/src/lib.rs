//! Minqing's phone app (skeleton; the app itself is the phone-app issue).
